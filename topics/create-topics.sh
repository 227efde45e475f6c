#!/usr/bin/env bash
# Creates Kairos's topics on an Apache Kafka cluster with Kafka's own kafka-topics.sh.
#
# Kairos creates missing topics itself at start-up; use this script where Kairos is not
# allowed to create topics, or to review the settings first (--dry-run). Topics that
# already exist are left as they are. Afterwards the script checks that `commands` and
# `changelog` have the same number of partitions, which Kairos requires.
#
# Usage: topics/create-topics.sh [options] [BOOTSTRAP_SERVERS]
#
#   BOOTSTRAP_SERVERS            host:port[,host:port]; default $KAIROS_BOOTSTRAP_SERVERS
#   -r, --replication-factor N   default $KAIROS_REPLICATION_FACTOR, else 3; -1 = broker default
#   --single-broker              replication factor 1, for a one-broker development cluster
#   --command-config FILE        client properties for kafka-topics.sh (TLS, SASL...)
#   --dry-run                    print the kafka-topics.sh commands instead of running them
#   -h, --help                   this text
#
# Environment: KAIROS_TOPIC_PREFIX (default kairos), KAIROS_PARTITIONS (default 12),
# KAIROS_COMMANDS_RETENTION_MS (default 604800000), KAFKA_TOPICS (path of kafka-topics.sh;
# otherwise found on PATH, in $KAFKA_HOME/bin or in /opt/kafka/bin).
# The topic definitions are in topics.conf beside this script.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
die() {
    printf 'create-topics: %s\n' "$*" >&2
    exit 1
}

bootstrap=${KAIROS_BOOTSTRAP_SERVERS:-}
replication=${KAIROS_REPLICATION_FACTOR:-3}
command_config=
dry_run=
while (($# > 0)); do
    case $1 in
        -r | --replication-factor)
            (($# >= 2)) || die "$1 needs a value"
            replication=$2
            shift 2
            ;;
        --replication-factor=*)
            replication=${1#*=}
            shift
            ;;
        --single-broker)
            replication=1
            shift
            ;;
        --command-config)
            (($# >= 2)) || die "$1 needs a file"
            command_config=$2
            shift 2
            ;;
        --dry-run)
            dry_run=1
            shift
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        -*) die "unknown option $1 (see --help)" ;;
        *)
            bootstrap=$1
            shift
            ;;
    esac
done

[[ -n $bootstrap ]] || die "give the bootstrap servers as the argument or in KAIROS_BOOTSTRAP_SERVERS (see --help)"
[[ $replication =~ ^(-1|[1-9][0-9]*)$ ]] || die "replication factor must be a positive number or -1, not '$replication'"
prefix=${KAIROS_TOPIC_PREFIX:-kairos}
[[ $prefix =~ ^[a-zA-Z0-9._-]+$ && $prefix != __* ]] ||
    die "KAIROS_TOPIC_PREFIX '$prefix' must be made of [a-zA-Z0-9._-] and not start with '__'"
if [[ -n $command_config && ! -r $command_config ]]; then
    die "cannot read the command config file '$command_config'"
fi

# shellcheck source=topics/topics.conf
source "$script_dir/topics.conf"

find_kafka_topics() {
    local candidate
    for candidate in "${KAFKA_TOPICS:-}" "$(command -v kafka-topics.sh 2>/dev/null || true)" \
        "${KAFKA_HOME:+$KAFKA_HOME/bin/kafka-topics.sh}" /opt/kafka/bin/kafka-topics.sh \
        "$(command -v kafka-topics 2>/dev/null || true)"; do
        if [[ -n $candidate && -x $candidate ]]; then
            printf '%s\n' "$candidate"
            return 0
        fi
    done
    return 1
}

if [[ -n $dry_run ]]; then
    kafka_topics=$(find_kafka_topics || echo kafka-topics.sh)
else
    kafka_topics=$(find_kafka_topics) ||
        die "kafka-topics.sh not found on PATH, in \$KAFKA_HOME/bin or in /opt/kafka/bin; set KAFKA_TOPICS to its path"
fi

connection=(--bootstrap-server "$bootstrap")
[[ -n $command_config ]] && connection+=(--command-config "$command_config")

run() {
    if [[ -n $dry_run ]]; then
        printf '%q ' "$@"
        printf '\n'
    else
        "$@"
    fi
}

for role in $topic_roles; do
    partitions_var=${role}_partitions
    configs_var=${role}_configs
    partitions=${!partitions_var:?topics.conf sets no ${role}_partitions}
    [[ $partitions =~ ^[1-9][0-9]*$ ]] || die "partitions of $role must be a positive number, not '$partitions'"

    arguments=(--create --if-not-exists --topic "$prefix.$role" --partitions "$partitions")
    if [[ $replication != -1 ]]; then
        arguments+=(--replication-factor "$replication")
    fi
    # With three or more replicas, an acknowledged write survives the loss of a broker.
    if [[ $replication != -1 ]] && ((replication >= 3)); then
        arguments+=(--config min.insync.replicas=2)
    fi
    for config in ${!configs_var:-}; do
        arguments+=(--config "$config")
    done
    echo "create-topics: $prefix.$role ($partitions partitions)" >&2
    run "$kafka_topics" "${connection[@]}" "${arguments[@]}"
done

[[ -n $dry_run ]] && exit 0

# describe_line TOPIC: the summary line of `kafka-topics.sh --describe`.
describe_line() {
    local output
    output=$("$kafka_topics" "${connection[@]}" --describe --topic "$1") || return 1
    grep -m 1 'PartitionCount' <<<"$output"
}

commands_line=$(describe_line "$prefix.commands") || die "could not describe $prefix.commands"
changelog_line=$(describe_line "$prefix.changelog") || die "could not describe $prefix.changelog"
commands_count=$(sed -n 's/.*PartitionCount:[[:space:]]*\([0-9][0-9]*\).*/\1/p' <<<"$commands_line")
changelog_count=$(sed -n 's/.*PartitionCount:[[:space:]]*\([0-9][0-9]*\).*/\1/p' <<<"$changelog_line")
[[ -n $commands_count && -n $changelog_count ]] || die "could not read the partition counts from kafka-topics.sh --describe"

if [[ $commands_count != "$changelog_count" ]]; then
    die "$prefix.commands has $commands_count partitions but $prefix.changelog has $changelog_count.
Kairos keeps the state of commands partition k in changelog partition k, so they must be equal.
Topics that already existed were left unchanged: add partitions to the smaller one
(kafka-topics.sh --alter --partitions N) before any schedule is written, or recreate both."
fi
if [[ $changelog_line != *cleanup.policy=compact* ]]; then
    printf 'create-topics: warning: %s does not show cleanup.policy=compact; Kairos needs a compacted changelog\n' \
        "$prefix.changelog" >&2
fi
echo "create-topics: done; $prefix.commands and $prefix.changelog both have $commands_count partitions" >&2
