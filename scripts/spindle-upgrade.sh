#!/usr/bin/env bash
# spindle-upgrade.sh: replace a running Spindle streaming application with a
# new build, resuming from its checkpoint. Run with --help for the steps.
set -euo pipefail

prog=$(basename "$0")

usage() {
	cat <<EOF
Usage: $prog [options] APP_ID -- SUBMIT_ARGS...

Replaces the running streaming application APP_ID with a new build of its
job, in one command:

  1. stops APP_ID gracefully with 'spindle application -stop APP_ID': it
     places the shutdown marker that the configuration APP_ID was submitted
     with names, and waits until the application has finished its current
     batch, committed it and ended SUCCEEDED;
  2. with --move-checkpoint, has it move the checkpoint dir aside to
     <dir>.<yyyyMMddHHmmss>, so that the new build starts afresh;
  3. runs 'spindle submit SUBMIT_ARGS...': give the arguments the
     application was submitted with, with the new job binary in place of
     the old one. The new application resumes from the checkpoint.

The script then becomes 'spindle submit', which reports the new
application's state as the original submission did; with --detach it
returns once the new application is accepted.

Both commands read Spindle's configuration as every spindle command does:
SPINDLE_CONF_DIR (or a --conf-dir in SUBMIT_ARGS), and a --master
spindle://HOST:PORT in SUBMIT_ARGS names the ResourceManager. The
checkpoint dir and the marker are those of the launch spec spindle submit
staged for APP_ID under spark.yarn.stagingDir (by default under
spindle.tmp.dir); give --staging-dir when APP_ID was submitted with another
staging dir.

Options:
  --staging-dir URI     the spark.yarn.stagingDir APP_ID was submitted with
  --move-checkpoint     move the checkpoint dir aside after the stop
  --timeout SECONDS     how long to wait for the graceful stop (default 600);
                        past it the marker is removed, the application
                        keeps running, and the script fails
  --spindle PATH        the spindle binary (default: \$SPINDLE, else
                        spindle on PATH)
  --conf KEY=VALUE      passed to 'spindle application' (repeatable), e.g.
                        yarn.resourcemanager.address=rm-host:8032
  --detach              submit with spark.yarn.submit.waitAppCompletion=false
  -h, --help            show this help

Example:
  $prog application_1795238187535_0001 -- \\
      --master yarn --deploy-mode cluster --name clickstream \\
      --conf spindle.checkpoint.dir=hdfs:///checkpoints/clickstream \\
      ./clickstream-v2 --input-topic clicks
EOF
}

die() {
	echo "$prog: $*" >&2
	exit 1
}

say() {
	echo "$prog: $*"
}

# --- arguments ---------------------------------------------------------------

staging=""
move_checkpoint=false
timeout=600
spindle_bin=${SPINDLE:-spindle}
detach=false
app_conf=()
app_id=""

while (($# > 0)); do
	case $1 in
	-h | --help)
		usage
		exit 0
		;;
	--staging-dir)
		(($# >= 2)) || die "--staging-dir needs a value (run $prog --help)"
		staging=$2
		shift 2
		;;
	--move-checkpoint)
		move_checkpoint=true
		shift
		;;
	--timeout)
		(($# >= 2)) || die "--timeout needs a value (run $prog --help)"
		timeout=$2
		shift 2
		;;
	--spindle)
		(($# >= 2)) || die "--spindle needs a value (run $prog --help)"
		spindle_bin=$2
		shift 2
		;;
	--conf)
		(($# >= 2)) || die "--conf needs KEY=VALUE (run $prog --help)"
		app_conf+=(--conf "$2")
		shift 2
		;;
	--detach)
		detach=true
		shift
		;;
	--)
		shift
		break
		;;
	-*)
		die "unknown option $1 (run $prog --help)"
		;;
	*)
		[[ -z $app_id ]] || die "one APP_ID only, got $app_id and $1; put the submit arguments after -- (run $prog --help)"
		app_id=$1
		shift
		;;
	esac
done
submit_args=("$@")

[[ -n $app_id ]] || die "no APP_ID: which application to replace? (run $prog --help)"
[[ $app_id =~ ^application_[0-9]+_[0-9]+$ ]] || die "APP_ID $app_id is not an application id (application_<timestamp>_<seq>)"
((${#submit_args[@]} > 0)) || die "no submit arguments after --: give the ones $app_id was submitted with, with the new job binary (run $prog --help)"
[[ $timeout =~ ^[0-9]+$ && $timeout -gt 0 ]] || die "--timeout $timeout: want a whole number of seconds > 0"
command -v "$spindle_bin" >/dev/null 2>&1 || die "spindle binary '$spindle_bin' not found: pass --spindle PATH or set SPINDLE"

# --- where the submission goes ---------------------------------------------------

# 'spindle application' must ask the ResourceManager and read the
# configuration that SUBMIT_ARGS submit to: their --master spindle://… and
# --conf-dir. Only the options before the job binary are spindle submit's.
i=0
while ((i < ${#submit_args[@]})); do
	arg=${submit_args[i]}
	[[ $arg == -* ]] || break # the job binary: its own arguments follow
	case $arg in
	--supervise | --verbose | -v | --load-spark-defaults | --help | -h | --version)
		i=$((i + 1))
		continue
		;;
	--*=*) name=${arg%%=*} value=${arg#*=} i=$((i + 1)) ;;
	*)
		((i + 1 < ${#submit_args[@]})) || die "submit argument $arg has no value"
		name=$arg value=${submit_args[i + 1]} i=$((i + 2))
		;;
	esac
	case $name in
	--master) [[ $value != spindle://* ]] || app_conf+=(--conf "yarn.resourcemanager.address=${value#spindle://}") ;;
	--conf-dir) app_conf+=(--conf-dir "$value") ;;
	esac
done

# --- the upgrade ---------------------------------------------------------------------

# state is APP_ID's state as 'spindle application -status' reports it.
if ! report=$("$spindle_bin" application "${app_conf[@]}" -status "$app_id" 2>&1); then
	die "cannot get the state of $app_id: $report"
fi
state=$(sed -n 's/^[[:space:]]*State : //p' <<<"$report" | head -n 1)
final=$(sed -n 's/^[[:space:]]*Final-State : //p' <<<"$report" | head -n 1)
case $state in
RUNNING | ACCEPTED | SUBMITTED | NEW | NEW_SAVING) ;;
*) die "$app_id is ${state:-UNKNOWN} (final status ${final:-UNKNOWN}), not running: nothing to stop; submit the new build with spindle submit" ;;
esac

stop_args=(-stop "$app_id" -stopTimeout "${timeout}s")
if [[ -n $staging ]]; then
	stop_args+=(-stagingDir "$staging")
fi
if $move_checkpoint; then
	stop_args+=(-moveCheckpoint)
fi
say "stopping $app_id gracefully: $spindle_bin application ${stop_args[*]}"
start=$SECONDS
"$spindle_bin" application "${app_conf[@]}" "${stop_args[@]}" ||
	die "$app_id did not stop gracefully (see above). Nothing was submitted."
say "$app_id finished gracefully (SUCCEEDED) after $((SECONDS - start))s"

wait_conf=()
if $detach; then
	wait_conf=(--conf spark.yarn.submit.waitAppCompletion=false)
fi
say "submitting: $spindle_bin submit ${wait_conf[*]} ${submit_args[*]}"
exec "$spindle_bin" submit "${wait_conf[@]}" "${submit_args[@]}"
