"""The shell text that runs one command confined on a host (local or SSH): util-linux, coreutils, awk, find.

`CONFINE_SCRIPT` is run as `/bin/sh -c 'eval "$1"' hitl-confine SCRIPT STAGE ARGS...` and re-invokes itself
for each stage; nothing is installed, and nothing is written on the host outside the command's namespaces.

outer  (the caller) only for `sudo` and `userns`. sudo: puts the script, the login shell and the command in
       the environment and runs `sudo -n unshare --mount ... SUDO_BOOT` (sudo logs its arguments and ps shows
       them, so they carry nothing private); BOOT reads them back from sudo's /proc/PID/environ. userns: runs
       `unshare --user --mount` in the background and maps the caller's own ids to root there.
inner  real root in a new mount namespace (root, sudo), or namespace root (userns). It refuses to go on
       unless the mount namespace really is new, then:
         1. (root, sudo) forks the command's process into a new user namespace, where it stops itself, and
            writes that namespace's identity maps (0 0 4294967295), so owners and processes read as outside;
         2. lays out, with one awk over mountinfo, one fstab: every mount remounted read-only; the usual
            character devices bound over themselves and /dev remounted `nodev`; one overlay per filesystem
            holding scratch paths, mounted in a staging tmpfs (size=0, so `df` skips it), and each scratch
            directory bound from it (so it stats as on the host until written; a scratch path with mounts
            beneath it is descended into, so no mount is hidden); last, the staging directory's original
            bound read-only over the staging tmpfs;
         3. mounts the staging tmpfs, writes the fstab, makes the layers' directories and runs `mount -a -T`
            (one process for the whole view);
         4. verifies over mountinfo that every visible mount is read-only except the scratch layers and /dev is
            `nodev`; any doubt is `fail`, and the command's process is killed before the command ever ran;
         5. prints `TOKEN ready` and continues the command (`run`), waits, and lists what it left in the
            throwaway layers (`TOKEN site K PATH` lines from step 2, `TOKEN entry TYPE MODE UID GID SIZE MTIME
            uK/RELATIVE` lines now), which the caller compares with the host's own files.
run    the command's process, in its own user namespace that owns no other namespace: `setpriv` with a
       reduced bounding set (and no_new_privs for root, whose set-uid programs gain nothing anyway); through
       sudo it becomes the caller again, with the caller's environment (read from sudo's environ on fd 5).
The namespaces, the overlays and everything written into them vanish when the last process exits.
"""

from __future__ import annotations

import shlex

SCRATCH_PATHS = ("/tmp", "/var/tmp", "/var/log", "/var/cache", "/run")  # noqa: S108 (overlaid, not used by us)
"""Where READ programs legitimately write (logs, pid files, sudo timestamps, temporary files, caches)."""

KEPT_CAPABILITIES = ("dac_override", "dac_read_search", "setuid", "setgid", "audit_write")
"""The bounding set a confined command keeps: reading everything and switching user (sudo -u, su) only.
No sys_admin (mounts, hostname), net_admin (addresses, routes, firewall), sys_time, sys_module, sys_ptrace
(reaching into other processes), sys_rawio, mknod, chown, fowner, kill, ..."""

CHARACTER_DEVICES = ("null", "zero", "full", "random", "urandom", "tty", "ptmx", "kmsg", "rtc0")
"""Character devices that stay usable once /dev is `nodev`; every block device becomes unopenable."""

FAIL_STATUS = 125

ENVIRONMENT_TO_EXPORTS = r"""{
  i = index($0, "="); name = substr($0, 1, i - 1); value = substr($0, i + 1)
  if (name !~ /^[A-Za-z_][A-Za-z0-9_]*$/ || (name ~ /^HITL_CONFINE_/) != (wanted == "hitl")) next
  gsub(/'/, "'\\''", value)
  printf "export %s='%s'\n", name, value
}"""
"""awk over a NUL-separated environment (RS = NUL): one `export NAME='VALUE'` line per variable; with
`-v wanted=hitl` only the wrapper's own HITL_CONFINE_* variables, else every variable but those."""

SUDO_BOOT = (
    "aw=awk; command -v mawk > /dev/null && aw=mawk\n"
    f'eval "$(LC_ALL=C "$aw" -v RS=\'\\0\' -v wanted=hitl {shlex.quote(ENVIRONMENT_TO_EXPORTS)} /proc/$PPID/environ)"'
    " || exit 125\n"
    'exec /bin/sh -c \'eval "$1"\' hitl-confine "$HITL_CONFINE_SCRIPT" inner "$1" sudo "$HITL_CONFINE_SHELL"'
    ' "$HITL_CONFINE_COMMAND" "$2" "$3" "$4" "$5" ""\n'
)
"""Root's first words through sudo: take the script, the login shell and the command out of sudo's own
environment (/proc/PPID/environ, readable only by the caller and root), then run the script's inner stage."""

CONFINE_SCRIPT = (
    r"""
s_=$1 stage=$2; shift 2
caps=-all@CAPS@
fail() { [ -n "$p" ] && kill -KILL "$p" 2>/dev/null; printf '%s fail %s\n' "$t" "$*" >&2; exit @FAIL@; }
case $stage in
outer)
  t=$1 how=$2
  set -- "$s_" inner "$t" "$how" "$3" "$4" "$PWD"
  case $how in
  sudo)  # the script and the command travel in sudo's environment: sudo logs its arguments, ps shows them
    HITL_CONFINE_SCRIPT=$s_ HITL_CONFINE_SHELL=$5 HITL_CONFINE_COMMAND=$6
    export HITL_CONFINE_SCRIPT HITL_CONFINE_SHELL HITL_CONFINE_COMMAND
    exec sudo -n unshare --mount --propagation private -- /bin/sh -c @SUDO_BOOT@ hitl-confine \
      "$t" "$PWD" "$(id -u)" "$(id -g)" "$(umask)" ;;
  userns)
    u=$(id -u) g=$(id -g)
    exec 3<&0
    unshare --user --mount --propagation private -- /bin/sh -c 'eval "$1"' hitl-confine "$@" "$u" "$g" "" "" \
      <&3 3<&- &
    p=$!
    exec 3<&-
    until { printf '0 %s 1\n' "$u" > /proc/$p/uid_map; } 2>/dev/null; do kill -0 $p 2>/dev/null || break; done
    { printf deny > /proc/$p/setgroups && printf '0 %s 1\n' "$g" > /proc/$p/gid_map; } 2>/dev/null ||
      kill $p 2>/dev/null
    wait $p ;;
  esac ;;
run)
  [ "$2" = userns ] || kill -STOP $$
  how=$2 sh_=${3:-${SHELL:-/bin/sh}} cmd=$4 dir=$5 uid=$6 gid=$7 um=$8
  if [ -z "$3" ]; then  # the login shell by name, as sshd starts it ("bash: line 3: ..." reads the same)
    n=${sh_##*/} ifs=$IFS IFS=:
    for d in $PATH; do [ "$d/$n" -ef "$sh_" ] && { sh_=$n; break; }; done
    IFS=$ifs
  fi
  [ "${SHLVL:-0}" -ge 1 ] 2>/dev/null || { SHLVL=1; export SHLVL; }
  cd -- "$dir" 2>/dev/null || cd /
  case $how in
  root) exec setpriv --no-new-privs --bounding-set="$caps" -- "$sh_" -c "$cmd" ;;
  sudo)
    # The caller's environment comes from sudo's own /proc/PID/environ (fd 5, opened by root), never from an
    # argument: sudo logs its command line, and anyone may read it in ps.
    aw=awk
    command -v mawk > /dev/null && aw=mawk
    exec setpriv --reuid="$uid" --regid="$gid" --init-groups --bounding-set="$caps" -- env -i PATH="$PATH" \
      /bin/sh -c 'eval "$(LC_ALL=C "$1" -v RS="\\0" "$2" <&5)" && exec 5<&- && umask "$3" || exit @FAIL@
        cd -- "$4" 2>/dev/null || cd /; exec "$5" -c "$6"' hitl "$aw" @ENVPROG@ "$um" "$dir" "$sh_" "$cmd" ;;
  userns) exec unshare --user --map-user="$uid" --map-group="$gid" -- \
          setpriv --no-new-privs --bounding-set="$caps" -- "$sh_" -c "$cmd" ;;
  esac ;;
inner)
  t=$1 how=$2 p=
  [ "$how" != userns ] || until read -r _ _ c < /proc/self/gid_map 2>/dev/null && [ -n "$c" ]; do :; done
  [ /proc/self/ns/mnt -ef /proc/$PPID/ns/mnt ] && fail "no new mount namespace"
  if [ "$how" != userns ]; then
    [ "$how" != sudo ] || exec 5< /proc/$PPID/environ || fail "cannot read the caller's environment"
    exec 3<&0
    unshare --user -- /bin/sh -c 'eval "$1"' hitl-confine "$s_" run "$@" <&3 3<&- &
    p=$!
    exec 3<&-
  fi
  aw=awk
  command -v mawk > /dev/null && aw=mawk
  stages= devs= nl="
"
  for d in /mnt /media /srv /opt /boot /dev/shm; do [ -d "$d" ] && [ ! -L "$d" ] && stages="$stages $d"; done
  for d in @DEVICES@; do [ -c "/dev/$d" ] && devs="$devs /dev/$d"; done
  sites=
  for d in @SCRATCH@; do
    [ -d "$d" ] && [ ! -L "$d" ] || continue
    for e in "$d" "$d"/*/ "$d"/.[!.]*/; do [ -d "$e" ] && sites="$sites$e$nl"; done
  done
  lay=$(LC_ALL=C "$aw" -v tops=" @SCRATCH@ " -v stages="$stages" -v devs="$devs" -v how="$how" -v t="$t" \
    -v sites="$sites" '
    { mp[$5] = 1; if ($0 ~ / - proc /) proc[$5] = 1; order[++nm] = $5; ro[$5] = $6 ~ /^ro(,|$)/ }
    END {
      n = split(sites, c, "\n") - 1
      for (i = 1; i <= n; i++) sub(/\/$/, "", c[i])
      split(stages, st, " ")
      for (j = 1; (j in st) && s == ""; j++) {
        s = st[j]
        for (m in mp) if (index(m, s "/") == 1) s = ""
      }
      if (s == "") exit 1
      for (j = 1; j <= nm; j++) {
        m = order[j]
        if (m != s && !(m in done) && !ro[m] && !(how == "userns" && (m in proc)))
          fstab = fstab "none " (m == "/" ? "/." : m) " none remount,bind,ro 0 0\n"
        done[m] = 1
      }
      split(devs, dv, " ")
      for (j in dv) fstab = fstab dv[j] " " dv[j] " none bind 0 0\n"
      fstab = fstab "none /dev none remount,bind,ro,nodev 0 0\n"
      for (m in mp) for (i = 1; i <= n; i++) if (index(m, c[i] "/") == 1) below[c[i]] = 1
      for (i = 1; i <= n; i++) {
        p = c[i]
        if (p ~ /[^A-Za-z0-9._@+\/-]/ || (p in below)) continue
        if (index(tops, " " p " ") == 0) {
          par = p; sub(/\/[^\/]*$/, "", par)
          if (!(par in below) || (p in mp)) continue
        }
        m = p; rel = ""
        if (how != "userns") {
          while (!(m in mp)) { sub(/\/[^\/]*$/, "", m); if (m == "") m = "/" }
          rel = (m == p) ? "" : (m == "/") ? substr(p, 2) : substr(p, length(m) + 2)
        } else {
          par = p; sub(/\/[^\/]*$/, "", par); free = par != ""
          for (x in mp) if (free && index(x, par "/") == 1) free = 0
          if (free) { m = par; rel = substr(p, length(par) + 2) }
        }
        if (!(m in ovl)) {
          ovl[m] = ++k
          fstab = fstab sprintf("hitl-scratch %s/o%d overlay lowerdir=%s,upperdir=%s/u%d,workdir=%s/w%d 0 0\n",
                                s, k, m, s, k, s, k)
          printf "%s site %d %s\n", t, k, m > "/dev/stderr"
          dirs = dirs " o" k " u" k " w" k
        }
        binds = binds sprintf("%s/o%d/%s %s none bind 0 0\n", s, ovl[m], rel, p)
      }
      print s; print dirs; printf "%s", fstab binds
      printf "/proc/self/fd/8 %s/. none bind,ro 0 0\n", s
    }' /proc/self/mountinfo) || fail "no directory to stage on"
  s=${lay%%"$nl"*} lay=${lay#*"$nl"}
  dirs=${lay%%"$nl"*} lay=${lay#*"$nl"}
  if [ -n "$p" ]; then
    while [ /proc/$p/ns/user -ef /proc/self/ns/user ]; do kill -0 $p 2>/dev/null || fail "no user namespace"; done
    { printf '0 0 4294967295\n' > /proc/$p/uid_map && printf '0 0 4294967295\n' > /proc/$p/gid_map; } 2>/dev/null ||
      fail "cannot write the id maps"
  fi
  exec 8< "$s" && mount -t tmpfs -o mode=700,size=0 hitl-stage "$s" || fail "cannot mount a tmpfs"
  cd "$s" && exec 9< . || fail "cannot enter the staging tmpfs"
  printf '%s\n' "$lay" > fstab && mkdir -- $dirs || fail "cannot lay out the scratch layers"
  mount -a -c -T fstab 2>/dev/null
  cd / && exec 8<&-
  bad=$(LC_ALL=C "$aw" -v how="$how" '{ top[$5] = $0 } END {
      for (m in top) { split(top[m], f, " ")
        if (f[6] !~ /^ro(,|$)/ && top[m] !~ / - overlay hitl-scratch / && !(how == "userns" && top[m] ~ / - proc /))
          print m
        if (m == "/dev" && f[6] !~ /(^|,)nodev(,|$)/) print m " (devices)" } }' /proc/self/mountinfo)
  [ -z "$bad" ] || fail "writable: $bad"
  printf '%s ready\n' "$t" >&2
  if [ -n "$p" ]; then
    until read -r _ _ state _ < /proc/$p/stat && [ "$state" = T -o "$state" = t ]; do
      kill -0 $p 2>/dev/null || fail "lost the command"
    done
    kill -CONT $p
    wait $p
  else
    /bin/sh -c 'eval "$1"' hitl-confine "$s_" run "$@" 9<&-
  fi
  st=$?
  cd /proc/self/fd/9 2>/dev/null || exit $st
  for f in u*/* u*/.[!.]* u*/..?*; do
    [ -e "$f" ] || [ -L "$f" ] || continue
    find u* -mindepth 1 -printf "$t entry %y %m %U %G %s %T@ %p\n" >&2
    break
  done
  exit $st ;;
esac
""".replace("@FAIL@", str(FAIL_STATUS))
    .replace("@ENVPROG@", shlex.quote(ENVIRONMENT_TO_EXPORTS))
    .replace("@SUDO_BOOT@", shlex.quote(SUDO_BOOT))
    .replace("@DEVICES@", " ".join(CHARACTER_DEVICES))
    .replace("@SCRATCH@", " ".join(SCRATCH_PATHS))
    .replace("@CAPS@", "".join(f",+{cap}" for cap in KEPT_CAPABILITIES))
)
