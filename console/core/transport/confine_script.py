"""The shell text that runs one command confined on a host (local or SSH), using only util-linux and coreutils.

One script, `CONFINE_SCRIPT`, is run as `/bin/sh -c 'eval "$1"' hitl-confine SCRIPT STAGE TOKEN ...` and
re-invokes itself for each stage, so nothing is installed or written on the host:

outer  (the caller, host namespaces) remembers the working directory, and for `sudo` the caller's uid, gid,
       umask and exported environment, then becomes root through `sudo -n` when the strategy says so;
mid    (root or the caller, host namespaces; inline in outer unless through sudo) starts
       `unshare --user --mount` in the background and writes the child's uid and gid maps: for root the
       identity map of every id (0 0 4294967295), so owners and processes read exactly as outside; for an
       ordinary user without sudo, its own ids as root (`--map-user` brings them back for the command).
inner  (namespace root, fresh user + mount namespace, private propagation) waits for its maps, refuses to
       go on unless it really is in a new mount namespace, then
         1. remounts every mount read-only (`mount -a -o remount,bind,ro`, util-linux 2.34+);
         2. mounts a staging tmpfs (size=0: unlimited, and so hidden from `df`) and lays out one overlay per
            scratch site: /tmp, /var/tmp, /var/log, /var/cache and /run, or, where a scratch path has mounts
            beneath it, each of its subdirectories that has none (so no mount is hidden and `df` is the same);
         3. in one `mount -a -T FSTAB`: binds the usual character devices over themselves, remounts /dev
            `nodev` (no raw disk writes) and mounts the overlays;
         4. detaches the staging area (kept open on fd 9) and verifies that every visible mount is read-only
            except the overlays, and /dev is nodev; any doubt is `fail`, and the command does not run;
         5. prints `TOKEN ready`, runs the command with no_new_privs (root) and a reduced capability bounding
            set, then lists what the command left in the throwaway layers (`TOKEN site K PATH` and
            `TOKEN entry TYPE MODE UID GID SIZE MTIME uK/RELATIVE` lines), which the caller compares with the
            host's own files to tell created, modified and deleted paths from files merely opened for writing.
The namespaces, the overlays and everything written into them vanish when the last process exits.
"""

from __future__ import annotations

SCRATCH_PATHS = ("/tmp", "/var/tmp", "/var/log", "/var/cache", "/run")  # noqa: S108 (overlaid, not used by us)
"""Where READ programs legitimately write (logs, pid files, sudo timestamps, temporary files, caches)."""

KEPT_CAPABILITIES = ("dac_override", "dac_read_search", "setuid", "setgid", "audit_write")
"""The bounding set a confined command keeps: reading everything and switching user (sudo -u, su) only.
No sys_admin (mounts, hostname), net_admin (addresses, routes, firewall), sys_time, sys_module, sys_ptrace
(reaching into other processes), sys_rawio, mknod, chown, fowner, kill, ..."""

CHARACTER_DEVICES = ("null", "zero", "full", "random", "urandom", "tty", "ptmx", "kmsg", "rtc0")
"""Character devices that stay usable once /dev is `nodev`; every block device becomes unopenable."""

FAIL_STATUS = 125

CONFINE_SCRIPT = (
    r"""
s_=$1 stage=$2; shift 2
mid() {
  exec 3<&0
  unshare --user --mount --propagation private -- /bin/sh -c 'eval "$1"' hitl-confine "$s_" inner "$@" <&3 3<&- &
  p=$!
  exec 3<&-
  if [ "$2" = userns ]; then um="0 $6 1" gm="0 $7 1"; else um="0 0 4294967295" gm=$um; fi
  until { printf '%s\n' "$um" > /proc/$p/uid_map; } 2>/dev/null; do kill -0 $p 2>/dev/null || break; done
  [ "$2" = userns ] && { printf deny > /proc/$p/setgroups; } 2>/dev/null
  { printf '%s\n' "$gm" > /proc/$p/gid_map; } 2>/dev/null || kill $p 2>/dev/null
  wait $p
}
case $stage in
outer)
  t=$1 how=$2 sh_=${3:-${SHELL:-/bin/sh}} cmd=$4
  case $how in
  sudo) exec sudo -n /bin/sh -c 'eval "$1"' hitl-confine "$s_" mid "$t" "$how" "$sh_" "$cmd" "$PWD" \
          "$(id -u)" "$(id -g)" "$(umask)" "$(export -p)" ;;
  userns) mid "$t" "$how" "$sh_" "$cmd" "$PWD" "$(id -u)" "$(id -g)" "" "" ;;
  *) mid "$t" "$how" "$sh_" "$cmd" "$PWD" 0 0 "" "" ;;
  esac ;;
mid) mid "$@" ;;
inner)
  t=$1 how=$2 sh_=$3 cmd=$4 dir=$5 uid=$6 gid=$7 um=$8 env_=$9
  until read -r _ _ c < /proc/self/gid_map 2>/dev/null && [ -n "$c" ]; do :; done
  fail() { printf '%s fail %s\n' "$t" "$*" >&2; exit @FAIL@; }
  [ /proc/self/ns/mnt -ef /proc/$PPID/ns/mnt ] && fail "no new mount namespace"
  mount -a -o remount,bind,ro 2>/dev/null
  s=
  for d in /mnt /media /srv /opt /dev/shm; do [ -d "$d" ] && [ ! -L "$d" ] && { s=$d; break; }; done
  [ -n "$s" ] || fail "no directory to stage on"
  mount -t tmpfs -o mode=700,size=0 hitl-stage "$s" || fail "cannot mount a tmpfs"
  cd "$s" || fail "cannot enter the staging tmpfs"
  for d in @DEVICES@; do [ -c "/dev/$d" ] && printf '/dev/%s /dev/%s none bind 0 0\n' "$d" "$d"; done > fstab
  printf 'none /dev none remount,bind,ro,nodev 0 0\n' >> fstab
  for p in @SCRATCH@; do [ -d "$p" ] && [ ! -L "$p" ] && printf '%s\n' "$p" "$p"/*/ "$p"/.[!.]*/; done > sites
  aw=$(command -v mawk || echo awk)
  mkdir -- $(LC_ALL=C "$aw" -v tops=" @SCRATCH@ " -v s="$s" '
    NR == FNR { mp[$5] = 1; next }
    { sub(/\/$/, ""); c[++n] = $0 }
    END {
      for (m in mp) for (i = 1; i <= n; i++) if (index(m, c[i] "/") == 1) below[c[i]] = 1
      for (i = 1; i <= n; i++) {
        p = c[i]
        if (p ~ /[*,]/ || (p in below)) continue
        if (index(tops, " " p " ") == 0) {
          par = p; sub(/\/[^\/]*$/, "", par)
          if (!(par in below) || (p in mp)) continue
        }
        k++
        printf "hitl-scratch %s overlay lowerdir=%s,upperdir=%s/u%d,workdir=%s/w%d 0 0\n", p, p, s, k, s, k >> "fstab"
        printf "%s\n", p > ("m" k)
        print "u" k, "w" k
      }
    }' /proc/self/mountinfo sites) || fail "cannot lay out the scratch layers"
  mount -a -T fstab || fail "cannot mount the scratch layers"
  cd / && exec 9< "$s" && umount -l "$s" || fail "cannot detach the staging tmpfs"
  bad=$(LC_ALL=C "$aw" '{ top[$5] = $0 } END {
      for (m in top) { split(top[m], f, " ")
        if (f[6] !~ /^ro(,|$)/ && top[m] !~ / - overlay hitl-scratch /) print m
        if (m == "/dev" && f[6] !~ /(^|,)nodev(,|$)/) print m " (devices)" } }' /proc/self/mountinfo)
  [ -z "$bad" ] || fail "writable: $bad"
  cd -- "$dir" 2>/dev/null || cd /
  printf '%s ready\n' "$t" >&2
  caps=-all@CAPS@
  case $how in
  root) setpriv --no-new-privs --bounding-set="$caps" -- "$sh_" -c "$cmd" 9<&- ;;
  sudo) setpriv --reuid="$uid" --regid="$gid" --init-groups --bounding-set="$caps" -- \
          env -i /bin/sh -c 'eval "$1"; umask "$2"; exec "$3" -c "$4"' hitl "$env_" "$um" "$sh_" "$cmd" 9<&- ;;
  userns) unshare --user --map-user="$uid" --map-group="$gid" -- \
          setpriv --no-new-privs --bounding-set="$caps" -- "$sh_" -c "$cmd" 9<&- ;;
  esac
  st=$?
  cd /proc/self/fd/9 2>/dev/null || exit $st
  for f in u*/* u*/.[!.]* u*/..?*; do
    [ -e "$f" ] || [ -L "$f" ] || continue
    for m in m*; do read -r p < "$m"; printf '%s site %s %s\n' "$t" "${m#m}" "$p"; done >&2
    find u* -mindepth 1 -printf "$t entry %y %m %U %G %s %T@ %p\n" >&2
    break
  done
  exit $st ;;
esac
""".replace("@FAIL@", str(FAIL_STATUS))
    .replace("@DEVICES@", " ".join(CHARACTER_DEVICES))
    .replace("@SCRATCH@", " ".join(SCRATCH_PATHS))
    .replace("@CAPS@", "".join(f",+{cap}" for cap in KEPT_CAPABILITIES))
)
