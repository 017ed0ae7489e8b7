"""Round 2 of issue 12: each mechanism on members of its family that are in no labelled set (each pair failed
before the mechanism: the first command was READ or WRITE where it is now higher, or the second was not READ)."""

from __future__ import annotations

import pytest

from console.core.classify import classify
from console.core.tiers import Tier

RAISED = [
    # an option value that looks like an option proves nothing
    ("iptables -L -Z", Tier.WRITE),
    ("iptables -vnL --zero FORWARD", Tier.WRITE),
    # getopt_long abbreviations of output and program options
    ("sort --outpu=/etc/shadow names.txt", Tier.DESTRUCTIVE),
    ("shuf --out /etc/passwd -n 3 names.txt", Tier.DESTRUCTIVE),
    ("sort --compress-prog=sh big.txt", Tier.DESTRUCTIVE),
    # programs without a rule: delete verbs, wrapped programs, command lines, SQL
    ("frobctl volume delete vol-1", Tier.DESTRUCTIVE),
    ("frobctl --purge-all", Tier.DESTRUCTIVE),
    ("with-lock /var/lock/x rm -rf /srv/data", Tier.DESTRUCTIVE),
    ("runwrap -c 'shutdown -h now'", Tier.DESTRUCTIVE),
    ("duckdb app.duckdb 'DROP TABLE events'", Tier.DESTRUCTIVE),
    ("frobctl volume list", Tier.WRITE),
    # sub-commands a rule has no case for; a later delete verb after a product named by a verb
    ("helm registry remove example.com", Tier.DESTRUCTIVE),
    ("gcloud run jobs delete nightly --region europe-west1", Tier.DESTRUCTIVE),
    # vital packages, any package manager
    ("apt-get -y remove sudo", Tier.DESTRUCTIVE),
    ("yum erase -y openssh-server", Tier.DESTRUCTIVE),
    ("apk del linux-lts", Tier.DESTRUCTIVE),
    ("apt-get -y remove htop", Tier.DESTRUCTIVE),
    # unquoted non-ASCII and look-alikes named by Unicode
    ("cat /etc/hostname ⁏ reboot", Tier.DESTRUCTIVE),
    ("uptime ︱ sh", Tier.DESTRUCTIVE),
    ("ls ☃", Tier.WRITE),
    ("'ls -la'", Tier.WRITE),
    # an interpreter's module-import option imports names the code calls bare, and runs the module's code
    ('perl -MFile::Copy -e \'move("/var/lib/app/db", "/tmp/x")\'', Tier.WRITE),
    ("perl -mFile::Path=remove_tree -e 'print 1'", Tier.WRITE),
    ("perl -MIO::Socket::INET -e 'print 1'", Tier.WRITE),
    ("perl -MPOSIX -e 'remove(\"/var/lib/app/db\")'", Tier.WRITE),
    # code at run time
    ("find /srv -name '*.sh' -exec bash -c {} \\;", Tier.DESTRUCTIVE),
    ("cat jobs.txt | xargs -n1 bash -c", Tier.DESTRUCTIVE),
    ("journalctl -n 5 > >(bash)", Tier.DESTRUCTIVE),
    ("cat <<'EOF' | bash\nreboot\nEOF", Tier.DESTRUCTIVE),
    ("local -n ref='x[$(reboot)]'", Tier.DESTRUCTIVE),
    # code or configuration from places anyone can write to
    (". /dev/shm/env.sh", Tier.DESTRUCTIVE),
    ("make -C build -f /var/tmp/evil.mk", Tier.DESTRUCTIVE),
    ("curl --config /tmp/rc https://example.com/", Tier.DESTRUCTIVE),
    ("kubectl get nodes --kubeconfig /tmp/kc.yaml", Tier.DESTRUCTIVE),
    ("ssh -F /var/tmp/cfg db1 uptime", Tier.DESTRUCTIVE),
    ("git config core.fsmonitor /tmp/fsmon.sh", Tier.DESTRUCTIVE),
    ("gdb -batch -ex 'shell rm -rf /srv' /usr/bin/true", Tier.DESTRUCTIVE),
    # a change to a critical path, whichever analyzer reports it
    ("sqlite3 app.db \"ATTACH '/etc/pam.d/x' AS p; CREATE TABLE p.t(a)\"", Tier.DESTRUCTIVE),
    ("gawk -i inplace '{ print }' /etc/sudoers", Tier.DESTRUCTIVE),
    ("umount -l /usr", Tier.DESTRUCTIVE),
    ("systemd-run --scope /bin/true", Tier.WRITE),
    ("usermod --groups wheel ops", Tier.DESTRUCTIVE),
    ("python3 -m pip uninstall -y requests", Tier.DESTRUCTIVE),
]

READ_NOW = [
    "perl -MList::Util=sum -e 'print sum(1, 2, 3)'",
    "perl -Mstrict -Mwarnings -ne 'print if /error/' /var/log/syslog",
    "perl -MPOSIX -le 'print floor(7 / 2)'",
    "iptables -t filter -L -n -v",
    "kubectl logs -p api-0 -c app",
    "kubectl describe pod api-0 --show-events=false",
    "journalctl -b -p 3 -x --no-pager",
    "git branch --list 'release/*'",
    "python3 -m pip list --outdated",
    "aws logs describe-log-streams --log-group-name app --order-by LastEventTime",
    "ls --human-readable --group-directories-first",
    "kubectl get pods --kubeconfig ~/.kube/staging",
    "ssh -G web1",
    "multipath -ll",
    "iscsiadm -m session -P 1",
    "keytool -list -keystore ks.jks",
    "coredumpctl info 4242",
    "cqlsh -e 'DESCRIBE KEYSPACES'",
    "grep 'café' menu.txt",
]


@pytest.mark.parametrize(("command", "tier"), RAISED)
def test_each_mechanism_raises_its_family(command: str, tier: Tier) -> None:
    result = classify(command)
    assert result.tier is tier, (command, result.reasons)


@pytest.mark.parametrize("command", READ_NOW)
def test_reads_stay_read(command: str) -> None:
    result = classify(command)
    assert result.tier is Tier.READ, (command, result.reasons)
