"""Hand-built approval requests, as the session builds them, for dialog tests and snapshots."""

from __future__ import annotations

from console.core.approval import ApprovalRequest, StepReview
from console.core.classify.model import Classification, Target
from console.core.tiers import Tier
from console.core.transport.base import Ended, RunResult

CRON_COMMAND = "printf '0 3 * * * certbot renew --quiet\\n' | crontab -"


def write_request(
    command: str = CRON_COMMAND, *, delay: float = 0.0, host: str = "web1", labels: tuple[str, ...] = ("prod",)
) -> ApprovalRequest:
    classification = Classification(
        command, Tier.WRITE, ("replaces the crontab of the current user",), (Target("crontab", ""),), None, ("crontab",)
    )
    step = StepReview(
        1,
        command,
        "fix the certificate renewal cron",
        classification,
        ("the crontab of the current user",),
        None,
        "0a1b2c3d",
        preview="--- crontab (now)\n+++ crontab (after)\n-0 3 * * * certbot renw\n+0 3 * * * certbot renew --quiet",
    )
    return ApprovalRequest("command", host, labels, step.purpose, (step,), delay, 0.0)


def destructive_step(index: int, challenge: str, path: str = "/srv/app/cache") -> StepReview:
    command = f"rm -rf {path}"
    classification = Classification(
        command,
        Tier.DESTRUCTIVE,
        ("rm -rf removes a directory tree",),
        (Target("path", path),),
        f"Deletes {path} and everything below it.",
        (),
    )
    return StepReview(
        index,
        command,
        "clear the cache",
        classification,
        (),
        "the tree is larger than the capture size cap",
        "ef01" + "0" * 60,
        challenge=challenge,
    )


def destructive_request(*, dwell: float = 0.0, challenge: str = "web1-ef01") -> ApprovalRequest:
    step = destructive_step(1, challenge)
    return ApprovalRequest("command", "web1", ("prod",), step.purpose, (step,), 0.0, dwell)


def plan_request(*, destructive: int = 0, dwell: float = 0.0, delay: float = 0.0) -> ApprovalRequest:
    read = Classification("nginx -t", Tier.READ, ("nginx -t only tests the configuration",))
    copy = Classification(
        "cp /tmp/nginx.conf /etc/nginx/nginx.conf",
        Tier.WRITE,
        ("cp writes /etc/nginx/nginx.conf",),
        (Target("path", "/etc/nginx/nginx.conf"),),
        None,
        ("files",),
    )
    reload = Classification("nginx -s reload", Tier.WRITE, ("nginx -s reload changes the running service",))
    ran = RunResult(0, "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n", "", 0.1, Ended.EXITED)
    steps = [
        StepReview(1, read.command, "test the new config", read, (), None, "", result=ran),
        StepReview(2, copy.command, "install it", copy, ("/etc/nginx/nginx.conf (1.2 KiB)",), None, "aa"),
        StepReview(3, reload.command, "reload nginx", reload, (), "a reload cannot be undone, only repeated", "bb"),
    ]
    for n in range(destructive):
        steps.append(destructive_step(4 + n, f"web1-d{n}ff", path=f"/srv/old{n}"))
    return ApprovalRequest("plan", "web1", (), "Deploy the updated nginx config", tuple(steps), delay, dwell)


def rollback_request(*, requires_force: bool) -> ApprovalRequest:
    classification = Classification(
        "Roll back rb-abc234",
        Tier.WRITE,
        ("restores what was captured before: crontab -",),
        (Target("path", "crontab of the current user"),),
        None,
        ("files",),
    )
    step = StepReview(
        1,
        classification.command,
        "undo the cron change",
        classification,
        ("the current state, first, so this rollback can be undone too",),
        None,
        "",
    )
    return ApprovalRequest(
        "rollback",
        "local",
        (),
        classification.command,
        (step,),
        0.0,
        0.0,
        warnings=("rb-abc234: changed since the command ran: crontab",) if requires_force else (),
        diff="--- crontab (now)\n+++ crontab (captured)\n-0 3 * * * certbot renew --quiet\n+0 3 * * * certbot renw",
        requires_force=requires_force,
    )
