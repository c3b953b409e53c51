#!/usr/bin/env bash
# spindle-supervise.sh: restart a Spindle daemon or a client-mode driver
# that exits non-zero. Run with --help for the rules.
set -euo pipefail

prog=$(basename "$0")

usage() {
	cat <<EOF
Usage: $prog [options] -- COMMAND [ARGS...]

Runs COMMAND and runs it again whenever it exits non-zero or is killed by
a signal, as spark-submit --supervise does for a driver: for a daemon
('spindle resourcemanager', 'spindle nodemanager') or a client-mode
'spindle submit --deploy-mode client ...' outside systemd.

  - A zero exit ends supervision with status 0 (the application finished).
  - Restarts wait --backoff seconds, doubled after each run that lasted
    less than --reset-after seconds, up to --max-backoff.
  - At most --max-restarts restarts within any hour: once they are spent,
    supervision ends with COMMAND's last exit status.
  - SIGTERM, SIGINT or SIGHUP to $prog is passed to COMMAND and ends
    supervision once COMMAND exits, with COMMAND's status.

Options:
  --max-restarts N       restarts allowed within an hour (default 10)
  --backoff SECONDS      delay before the first restart (default 1)
  --max-backoff SECONDS  longest delay (default 60)
  --reset-after SECONDS  a run this long resets the delay (default 60)
  -h, --help             show this help

Example:
  $prog --max-restarts 5 -- spindle nodemanager --conf-dir /etc/spindle
EOF
}

die() {
	echo "$prog: $*" >&2
	exit 2
}

say() {
	echo "$prog: $*" >&2
}

max_restarts=10
backoff=1
max_backoff=60
reset_after=60

whole() {
	[[ $2 =~ ^[0-9]+$ ]] || die "$1 $2: want a whole number (run $prog --help)"
}

while (($# > 0)); do
	case $1 in
	-h | --help)
		usage
		exit 0
		;;
	--max-restarts | --backoff | --max-backoff | --reset-after)
		(($# >= 2)) || die "$1 needs a value (run $prog --help)"
		whole "$1" "$2"
		case $1 in
		--max-restarts) max_restarts=$2 ;;
		--backoff) backoff=$2 ;;
		--max-backoff) max_backoff=$2 ;;
		--reset-after) reset_after=$2 ;;
		esac
		shift 2
		;;
	--)
		shift
		break
		;;
	*)
		die "unknown option $1: put the command after -- (run $prog --help)"
		;;
	esac
done
(($# > 0)) || die "no command to supervise: give it after -- (run $prog --help)"
command -v "$1" >/dev/null 2>&1 || die "command '$1' not found"
((max_backoff >= backoff)) || max_backoff=$backoff

child=""
stopping=false
stop_signal() {
	stopping=true
	if [[ -n $child ]]; then
		kill -s "$1" "$child" 2>/dev/null || true
	fi
}
trap 'stop_signal TERM' TERM
trap 'stop_signal INT' INT
trap 'stop_signal HUP' HUP

restarts=() # start times of the restarts within the last hour
delay=$backoff
status=0
while :; do
	started=$SECONDS
	"$@" &
	child=$!
	# wait returns early when a trapped signal arrives; wait again until the
	# command has really exited.
	while :; do
		set +e
		wait "$child"
		status=$?
		set -e
		kill -0 "$child" 2>/dev/null || break
	done
	child=""
	ran=$((SECONDS - started))
	if $stopping; then
		say "stopped: $1 exited with status $status"
		exit "$status"
	fi
	if ((status == 0)); then
		say "$1 exited with status 0: done"
		exit 0
	fi
	now=$SECONDS
	recent=()
	for t in "${restarts[@]+"${restarts[@]}"}"; do
		((now - t < 3600)) && recent+=("$t")
	done
	restarts=("${recent[@]+"${recent[@]}"}")
	if ((${#restarts[@]} >= max_restarts)); then
		say "$1 exited with status $status after ${ran}s; ${#restarts[@]} restarts within the last hour reach --max-restarts $max_restarts: giving up"
		exit "$status"
	fi
	if ((ran >= reset_after)); then
		delay=$backoff
	fi
	say "$1 exited with status $status after ${ran}s; restart $((${#restarts[@]} + 1)) of $max_restarts this hour in ${delay}s"
	sleep "$delay" &
	child=$!
	set +e
	wait "$child"
	set -e
	child=""
	if $stopping; then
		say "stopped before restarting $1"
		exit "$status"
	fi
	restarts+=("$SECONDS")
	delay=$((delay * 2))
	((delay <= max_backoff)) || delay=$max_backoff
done
