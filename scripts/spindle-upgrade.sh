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

  1. places the shutdown marker <checkpoint dir>/_shutdown;
  2. waits until the application has finished gracefully (it finishes its
     current batch, commits it and ends SUCCEEDED), polling
     'spindle application -status APP_ID';
  3. removes the marker, which the application renamed _shutdown.COMPLETED;
  4. with --move-checkpoint, moves the checkpoint dir aside to
     <dir>.<yyyyMMddHHmmss>, so that the new build starts afresh;
  5. runs 'spindle submit SUBMIT_ARGS...': give the arguments the
     application was submitted with, with the new job binary in place of
     the old one. The new application resumes from the checkpoint.

The script then becomes 'spindle submit', which reports the new
application's state as the original submission did; with --detach it
returns once the new application is accepted.

The checkpoint dir is --checkpoint-dir, else spindle.checkpoint.dir (or
spark.checkpoint.dir) from SUBMIT_ARGS (its --conf KEY=VALUE arguments or
its --properties-file), else from the configuration APP_ID runs with: the
launch spec spindle submit staged in
<spark.yarn.stagingDir>/.sparkStaging/APP_ID/__spindle_conf__.json (the
staging dir from SUBMIT_ARGS, else --staging-dir, else Spindle's default
file:///tmp/spindle-\$USER/staging). spindle.streaming.shutdownMarker names
another marker, as it does for the application. file:// URIs and local
paths are handled here; hdfs:// ones with 'hdfs dfs' (\$HDFS, default hdfs).

Options:
  --checkpoint-dir URI  the application's checkpoint dir (file:///..., a
                        local path, or hdfs://...)
  --staging-dir URI     where APP_ID was staged, to read its configuration
  --move-checkpoint     move the checkpoint dir aside after the stop
  --timeout SECONDS     how long to wait for the graceful stop (default 600);
                        past it the marker is removed, the application
                        keeps running, and the script fails
  --poll SECONDS        how often to ask for the application's state
                        (default 2; fractions allowed)
  --spindle PATH        the spindle binary (default: \$SPINDLE, else
                        spindle on PATH)
  --conf KEY=VALUE      passed to 'spindle application' (repeatable), e.g.
                        yarn.resourcemanager.address=rm-host:8032; a
                        --master spindle://HOST:PORT or --conf-dir DIR in
                        SUBMIT_ARGS is used too
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

checkpoint=""
staging=""
move_checkpoint=false
timeout=600
poll=2
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
	--checkpoint-dir)
		(($# >= 2)) || die "--checkpoint-dir needs a value (run $prog --help)"
		checkpoint=$2
		shift 2
		;;
	--checkpoint-dir=*)
		checkpoint=${1#*=}
		shift
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
	--poll)
		(($# >= 2)) || die "--poll needs a value (run $prog --help)"
		poll=$2
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
[[ $poll =~ ^[0-9]+([.][0-9]+)?$ && ! $poll =~ ^0+([.]0+)?$ ]] || die "--poll $poll: want a number of seconds > 0"
command -v "$spindle_bin" >/dev/null 2>&1 || die "spindle binary '$spindle_bin' not found: pass --spindle PATH or set SPINDLE"

# --- what the submit arguments say --------------------------------------------

# scan_submit_args KEY sets conf_value to the value SUBMIT_ARGS give KEY
# (the last --conf, else the properties file's) and fails when neither sets
# it. It also notes --properties-file, --master and --conf-dir. Only the
# options before the job binary are read, as spindle submit reads them.
conf_value=""
properties_file=""
master=""
conf_dir=""
scan_submit_args() {
	local key=$1 i=0 n=${#submit_args[@]} arg name value
	conf_value=""
	local found=false
	while ((i < n)); do
		arg=${submit_args[i]}
		[[ $arg == -* ]] || break # the job binary: its own arguments follow
		name=$arg value=""
		local has_value=false
		if [[ $arg == --*=* ]]; then
			name=${arg%%=*} value=${arg#*=} has_value=true
		fi
		case $name in
		--supervise | --verbose | -v | --load-spark-defaults | --help | -h | --version)
			i=$((i + 1))
			continue
			;;
		esac
		if ! $has_value; then
			((i + 1 < n)) || die "submit argument $name has no value"
			value=${submit_args[i + 1]}
			i=$((i + 2))
		else
			i=$((i + 1))
		fi
		case $name in
		--conf | -c)
			if [[ ${value%%=*} == "$key" ]]; then
				conf_value=${value#*=}
				found=true
			fi
			;;
		--properties-file) properties_file=$value ;;
		--master) master=$value ;;
		--conf-dir) conf_dir=$value ;;
		esac
	done
	if ! $found && [[ -n $properties_file ]]; then
		[[ -r $properties_file ]] || die "cannot read --properties-file $properties_file"
		local line k v
		while IFS= read -r line || [[ -n $line ]]; do
			line=${line#"${line%%[![:space:]]*}"}
			[[ -z $line || $line == \#* || $line == !* ]] && continue
			if [[ $line =~ ^([^=:[:space:]]+)[[:space:]]*[=:[:space:]][[:space:]]*(.*)$ ]]; then
				k=${BASH_REMATCH[1]} v=${BASH_REMATCH[2]}
				if [[ $k == "$key" ]]; then
					conf_value=${v%"${v##*[![:space:]]}"}
					found=true
				fi
			fi
		done <"$properties_file"
	fi
	$found
}

# spec_value KEY sets conf_value to KEY's value in APP_ID's staged launch
# spec (pretty-printed JSON, one key a line) and fails when it has none.
spec_json=""
spec_value() {
	if [[ -z $spec_json ]]; then
		local root=$staging
		if [[ -z $root ]] && scan_submit_args spark.yarn.stagingDir; then
			root=$conf_value
		fi
		root=${root:-file:///tmp/spindle-${USER:-$(id -un)}/staging}
		local spec=${root%/}/.sparkStaging/$app_id/__spindle_conf__.json
		case $spec in
		file://*) spec_json=$(cat -- "${spec#file://}" 2>/dev/null) || spec_json="" ;;
		hdfs://*) spec_json=$("${HDFS:-hdfs}" dfs -cat "$spec" 2>/dev/null) || spec_json="" ;;
		*://*) spec_json="" ;;
		*) spec_json=$(cat -- "$spec" 2>/dev/null) || spec_json="" ;;
		esac
		spec_json=${spec_json:-none}
	fi
	local line
	line=$(grep -m 1 -F "\"$1\": \"" <<<"$spec_json") || return 1
	line=${line#*\": \"}
	conf_value=${line%\"*}
}

if [[ -z $checkpoint ]]; then
	if scan_submit_args spindle.checkpoint.dir || scan_submit_args spark.checkpoint.dir ||
		spec_value spindle.checkpoint.dir || spec_value spark.checkpoint.dir; then
		checkpoint=$conf_value
	else
		die "no checkpoint dir: pass --checkpoint-dir URI, submit with --conf spindle.checkpoint.dir=URI, or give --staging-dir where $app_id was staged"
	fi
fi
marker_conf=""
if scan_submit_args spindle.streaming.shutdownMarker || spec_value spindle.streaming.shutdownMarker; then
	marker_conf=$conf_value
fi
if [[ $master == spindle://* ]]; then
	app_conf+=(--conf "yarn.resourcemanager.address=${master#spindle://}")
fi
if [[ -n $conf_dir ]]; then
	app_conf+=(--conf-dir "$conf_dir")
fi

# --- the checkpoint's file system ------------------------------------------------

# Paths are local for file:// URIs and plain paths, hdfs:// URIs otherwise.
case $checkpoint in
hdfs://*)
	fs=hdfs
	hdfs_bin=${HDFS:-hdfs}
	command -v "$hdfs_bin" >/dev/null 2>&1 || die "checkpoint $checkpoint is on HDFS, but '$hdfs_bin' is not on PATH: set HDFS to the hdfs command"
	ckpt=${checkpoint%/}
	authority=$(sed -E 's#^(hdfs://[^/]*).*#\1#' <<<"$ckpt")
	;;
file://*)
	fs=local
	ckpt=${checkpoint#file://}
	ckpt=${ckpt#localhost}
	[[ $ckpt == /* ]] || die "checkpoint $checkpoint: a file URI needs an absolute path (file:///dir)"
	ckpt=${ckpt%/}
	;;
*://*)
	die "checkpoint $checkpoint: only file:// and hdfs:// are supported"
	;;
*)
	fs=local
	ckpt=${checkpoint%/}
	;;
esac
case $marker_conf in
"") marker=$ckpt/_shutdown ;;
/*) if [[ $fs == hdfs ]]; then marker=$authority$marker_conf; else marker=$marker_conf; fi ;;
*) marker=$ckpt/$marker_conf ;;
esac

fs_is_dir() {
	if [[ $fs == local ]]; then [[ -d $1 ]]; else "$hdfs_bin" dfs -test -d "$1"; fi
}
fs_exists() {
	if [[ $fs == local ]]; then [[ -e $1 ]]; else "$hdfs_bin" dfs -test -e "$1"; fi
}
fs_touch() {
	if [[ $fs == local ]]; then : >"$1"; else "$hdfs_bin" dfs -touchz "$1"; fi
}
fs_rm() {
	if [[ $fs == local ]]; then rm -f -- "$1"; else "$hdfs_bin" dfs -rm -f -skipTrash "$1" >/dev/null; fi
}
fs_mv() {
	if [[ $fs == local ]]; then mv -- "$1" "$2"; else "$hdfs_bin" dfs -mv "$1" "$2"; fi
}

# --- the application's state ---------------------------------------------------------

# app_state sets state and final to the application's state and final
# status as 'spindle application -status' reports them; state is ERROR,
# with the command's output in report, when it cannot be had.
state="" final="" report=""
app_state() {
	if ! report=$("$spindle_bin" application "${app_conf[@]}" -status "$app_id" 2>&1); then
		state=ERROR final=""
		return
	fi
	state=$(sed -n 's/^[[:space:]]*State : //p' <<<"$report" | head -n 1)
	final=$(sed -n 's/^[[:space:]]*Final-State : //p' <<<"$report" | head -n 1)
	state=${state:-UNKNOWN} final=${final:-UNKNOWN}
}

# --- the upgrade ---------------------------------------------------------------------

app_state
case $state in
RUNNING | ACCEPTED | SUBMITTED | NEW | NEW_SAVING) ;;
ERROR) die "cannot get the state of $app_id: $report" ;;
*) die "$app_id is $state (final status $final), not running: nothing to stop; submit the new build with spindle submit" ;;
esac
fs_is_dir "$ckpt" || die "checkpoint dir $checkpoint does not exist: is it $app_id's? (--checkpoint-dir, spindle.checkpoint.dir)"

say "placing the shutdown marker $marker: $app_id stops after its current batch"
fs_touch "$marker" || die "cannot create the shutdown marker $marker"

start=$SECONDS
while :; do
	app_state
	case $state in
	FINISHED | FAILED | KILLED) break ;;
	esac
	# SECONDS counts whole seconds: more than timeout of them is at least
	# timeout seconds.
	if ((SECONDS - start > timeout)); then
		fs_rm "$marker" || true
		die "$app_id still $state after ${timeout}s; removed the marker, so it keeps running. Nothing was submitted."
	fi
	sleep "$poll"
done
if [[ $state != FINISHED || $final != SUCCEEDED ]]; then
	fs_rm "$marker" || true
	die "$app_id ended $state with final status $final, not gracefully: see 'spindle application -status $app_id'. Nothing was submitted."
fi
say "$app_id finished gracefully (SUCCEEDED) after $((SECONDS - start))s"

if fs_exists "$marker.COMPLETED"; then
	fs_rm "$marker.COMPLETED"
	say "removed $marker.COMPLETED"
else
	say "warning: $marker.COMPLETED is missing; the application did not record its graceful stop"
fi
if fs_exists "$marker"; then
	fs_rm "$marker"
	say "removed $marker"
fi

if $move_checkpoint; then
	aside=$ckpt.$(date -u +%Y%m%d%H%M%S)
	fs_mv "$ckpt" "$aside" || die "cannot move the checkpoint dir $ckpt aside to $aside. Nothing was submitted."
	say "moved the checkpoint dir aside to $aside: the new build starts afresh"
fi

wait_conf=()
if $detach; then
	wait_conf=(--conf spark.yarn.submit.waitAppCompletion=false)
fi
say "submitting: $spindle_bin submit ${wait_conf[*]} ${submit_args[*]}"
exec "$spindle_bin" submit "${wait_conf[@]}" "${submit_args[@]}"
