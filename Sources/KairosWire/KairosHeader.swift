/// The header names of Kairos's wire contract (`topics/README.md`): those a command may carry, and those Kairos adds
/// to fired records and dead letters. Every `kairos-*` name in the project is spelled here and nowhere else.
public enum KairosHeader {
    /// Every Kairos header starts with this; other headers of a command pass through to its fired records.
    public static let prefix = "kairos-"

    // MARK: Commands

    /// Fire once at this instant (RFC 3339 or epoch milliseconds).
    public static let at = "kairos-at"
    /// Fire once this long after the command's timestamp.
    public static let delay = "kairos-delay"
    /// Fire on a cron schedule.
    public static let cron = "kairos-cron"
    /// How `kairos-cron` numbers the days of the week: `unix` (the default, 0-7 with 0 and 7 Sunday) or `quartz`
    /// (1-7 from Sunday, seconds first).
    public static let cronDialect = "kairos-cron-dialect"
    /// Fire at a fixed interval or calendar step.
    public static let every = "kairos-every"
    /// IANA zone of `kairos-cron`, `kairos-every` and local times.
    public static let zone = "kairos-tz"
    /// Window start of a recurring schedule.
    public static let start = "kairos-start"
    /// Window end of a recurring schedule (inclusive).
    public static let end = "kairos-end"
    /// Most firings of a recurring schedule.
    public static let limit = "kairos-limit"
    /// Where to deliver: a topic, `kafka:TOPIC` or an http(s) URL.
    public static let target = "kairos-target"
    /// Key of the fired record.
    public static let targetKey = "kairos-target-key"
    /// Explicit partition of the fired record.
    public static let targetPartition = "kairos-target-partition"
    /// HTTP method of a webhook.
    public static let httpMethod = "kairos-http-method"
    /// `kairos-http-header-NAME` sets request header `NAME` of a webhook.
    public static let httpHeaderPrefix = "kairos-http-header-"
    /// Delivery attempts before dead-lettering.
    public static let retryMax = "kairos-retry-max"
    /// First retry delay.
    public static let retryBackoff = "kairos-retry-backoff"
    /// Flexible window: fire at a random moment in `[due, due + window)`.
    public static let window = "kairos-window"
    /// `fire` or `skip`: what happens to occurrences missed while nobody owned the partition.
    public static let misfire = "kairos-misfire"
    /// Local dates to skip: `YYYY-MM-DD`, `YYYY-MM-DD..YYYY-MM-DD`, `--MM-DD` (yearly), comma-separated.
    public static let exclude = "kairos-exclude"
    /// A cron expression: occurrences whose local reading it matches are skipped.
    public static let excludeCron = "kairos-exclude-cron"

    /// `pause`, `resume` or `trigger`: a lifecycle command for an existing schedule, with an empty value.
    public static let action = "kairos-action"
    /// On a command Kairos forwarded to its home partition: `<partition>@<offset>` where it was written.
    public static let forwardedFrom = "kairos-forwarded-from"
    /// On a command Kairos forwarded: the timestamp of the record as it was written (the base of `kairos-delay`).
    public static let forwardedTimestamp = "kairos-forwarded-timestamp"
    /// The headers Kairos adds when it forwards a command.
    public static let forwardingHeaders: Set<String> = [forwardedFrom, forwardedTimestamp]

    /// The time headers, of which a command gives at most one.
    public static let timeHeaders = [at, delay, cron, every]
    /// Headers that apply to recurring schedules only.
    public static let recurringOnly = [zone, start, end, limit, misfire, exclude, excludeCron]
    /// Every command header but the `kairos-http-header-*` family.
    public static let commandHeaders: Set<String> = [
        at, delay, cron, cronDialect, every, zone, start, end, limit, target, targetKey, targetPartition, httpMethod, retryMax,
        retryBackoff, window, misfire, exclude, excludeCron, action, forwardedFrom, forwardedTimestamp,
    ]

    // MARK: Fired records (and dead letters of failed firings)

    /// The schedule id.
    public static let id = "kairos-id"
    /// The nominal fire time, epoch milliseconds.
    public static let scheduledFor = "kairos-scheduled-for"
    /// When the record was produced, epoch milliseconds.
    public static let firedAt = "kairos-fired-at"
    /// 1 for a one-shot; 1, 2, 3... for a recurring schedule.
    public static let occurrence = "kairos-occurrence"

    // MARK: Dead letters

    /// Why, in a sentence a person can act on.
    public static let error = "kairos-error"
    /// `rejected` or `delivery-failed`.
    public static let errorKind = "kairos-error-kind"
    /// Where a rejected command was read.
    public static let sourceTopic = "kairos-source-topic"
    public static let sourcePartition = "kairos-source-partition"
    public static let sourceOffset = "kairos-source-offset"
    /// The status of a webhook's last answer, when it had one.
    public static let httpStatus = "kairos-http-status"
    /// Attempts a webhook delivery made before it was dead-lettered.
    public static let attempts = "kairos-attempts"

    /// On a fired record that is not one of the schedule's regular occurrences: `triggered` (an extra firing that
    /// `kairos-action: trigger` asked for; its occurrence is negative: -1, -2, ...).
    public static let firing = "kairos-firing"

    /// Headers Kairos adds to a dead letter; the command it came from is the dead letter without them.
    public static let deadLetterHeaders: Set<String> = [
        error, errorKind, sourceTopic, sourcePartition, sourceOffset, httpStatus, attempts, id, scheduledFor,
        occurrence, firedAt, firing, forwardedFrom, forwardedTimestamp,
    ]
}
