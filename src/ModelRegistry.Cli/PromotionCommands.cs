using ModelRegistry.Platform;
using System.Globalization;
using System.Text.Json;
using System.Xml;
using Dapper;
using ModelRegistry.Contracts.Promotion;
using Npgsql;

namespace ModelRegistry.Cli;

public sealed record PromotionRequested(Guid PromotionId, string ModelName, int Version, string TargetStage, string RequestedBy);
public sealed record PromotionOutcome(Guid PromotionId, string ModelName, int Version, string TargetStage, string Outcome, string? State,
    string? ReasonCode, string? Message, string Source, JsonElement? Event);
public sealed record CancelRequested(Guid PromotionId, string CancelledBy);
public sealed record RollbackRequested(Guid RollbackId, string ModelName, string IncidentId, string RequestedBy);
public sealed record RollbackOutcome(Guid RollbackId, string ModelName, string Outcome, int? RestoredVersion, int? RetiredVersion,
    string? ReasonCode, string? Message, string Source, JsonElement? Event);

/// <summary>
/// <c>mreg promote</c>, <c>mreg cancel</c> and <c>mreg rollback</c>. They publish commands to the broker (confirmed) and never
/// write the database; with <c>--wait</c> they listen for the outcome on a private queue bound before the command goes out,
/// and look at the database (read-only) every few seconds and at the end in case an event was missed.
/// </summary>
public static class PromotionCommands
{
    /// <summary>The promotion or rollback was rejected, expired or was cancelled.</summary>
    public const int ExitRefused = 4;

    /// <summary><c>--wait</c> ran out of time; the promotion may still be open.</summary>
    public const int ExitTimedOut = 5;

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    public static readonly IReadOnlyList<string> TargetStages = ["staging", "shadow", "canary", "production"];

    private static readonly TimeSpan DatabaseCheckInterval = TimeSpan.FromSeconds(5);

    private static readonly Type[] PromotionEvents =
        [typeof(ModelVersionPromoted), typeof(PromotionRejected), typeof(PromotionCancelled), typeof(ApprovalRequested), typeof(ApprovalRefused)];

    private static readonly Type[] RollbackEvents = [typeof(ModelVersionRolledBack), typeof(RollbackRejected)];

    /// <summary>30s, 5m, 1h, 2d, 500ms, a TimeSpan (00:10:00) or ISO 8601 (PT10M); null when it is none of them or not positive.</summary>
    public static TimeSpan? ParseDuration(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        text = text.Trim();
        TimeSpan? parsed = null;
        var units = new (string Suffix, double Seconds)[] { ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400) };
        foreach (var (suffix, seconds) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^suffix.Length], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
            {
                parsed = TimeSpan.FromSeconds(n * seconds);
                break;
            }
        }
        if (parsed is null && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span)) parsed = span;
        if (parsed is null && text.StartsWith('P'))
        {
            try
            {
                parsed = XmlConvert.ToTimeSpan(text);
            }
            catch (FormatException)
            {
            }
        }
        return parsed > TimeSpan.Zero ? parsed : null;
    }

    // ---- promote -----------------------------------------------------------------------------------------------------------

    public static async Task<int> PromoteAsync(CliSettings settings, RequestPromotion request, TimeSpan? wait, bool json, TextWriter output,
        CancellationToken ct)
    {
        try
        {
            await using var broker = await CliBroker.ConnectAsync(settings, ct);
            if (wait is not null) await broker.ListenAsync(PromotionEvents, ct);
            await broker.PublishAsync(request, ct);
            if (wait is not { } timeout)
            {
                if (json) CliJson.Write(output, new PromotionRequested(request.PromotionId, request.ModelName, request.Version, request.TargetStage, request.RequestedBy));
                else output.WriteLine(request.PromotionId.ToString("D"));
                return 0;
            }
            if (!json)
                output.WriteLine($"promotion {request.PromotionId} requested: {request.ModelName}/{request.Version} -> {request.TargetStage}; waiting up to {Format(timeout)}");

            string? shownState = null; // progress lines only when the state changes
            var outcome = await WaitAsync(broker, timeout,
                e => PromotionOutcomeOf(request, e),
                e =>
                {
                    if (json || !Progress(request.PromotionId, e, output)) return;
                    if (e.Exchange == CliBroker.ExchangeOf<ApprovalRequested>()) shownState = "AwaitingApproval";
                },
                token => PromotionFromDatabaseAsync(settings, request, open =>
                {
                    if (json || open.State == shownState) return;
                    shownState = open.State;
                    output.WriteLine($"  {Describe(open)}");
                }, token), ct);
            outcome ??= new PromotionOutcome(request.PromotionId, request.ModelName, request.Version, request.TargetStage, "timed_out",
                await LastStateAsync(settings, request.PromotionId), null,
                $"no outcome within {Format(timeout)}; the promotion stays open (`mreg promotions show {request.PromotionId}`, `mreg cancel {request.PromotionId}`)",
                "none", null);
            if (json) CliJson.Write(output, outcome);
            else PrintOutcome(outcome, output);
            return outcome.Outcome switch
            {
                "promoted" => 0,
                "timed_out" => ExitTimedOut,
                _ => ExitRefused,
            };
        }
        catch (CliBrokerRefusal e)
        {
            return await FailAsync(e.Message, 1);
        }
        catch (Exception e) when (CliBroker.IsBrokerFailure(e))
        {
            return await FailAsync(Preflight.DescribeBrokerFailure(settings.RabbitMq, e), CliDatabase.ExitUnavailable);
        }
    }

    private static PromotionOutcome? PromotionOutcomeOf(RequestPromotion request, RegistryEvent e)
    {
        if (!Is(e.Message, "promotionId", request.PromotionId)) return null;
        string? outcome = null, code = null, message = null;
        if (e.Exchange == CliBroker.ExchangeOf<ModelVersionPromoted>())
        {
            outcome = "promoted";
            code = "promoted";
            var retired = CliBroker.TryGet(e.Message, "retiredVersions", out var r) && r.ValueKind == JsonValueKind.Array
                ? string.Join(", ", r.EnumerateArray().Select(v => v.ToString()))
                : "";
            message = $"{CliBroker.Text(e.Message, "fromStage")} -> {CliBroker.Text(e.Message, "toStage")}{(retired.Length > 0 ? $", retired version(s) {retired}" : "")}";
        }
        else if (e.Exchange == CliBroker.ExchangeOf<PromotionRejected>())
        {
            code = CliBroker.Text(e.Message, "reasonCode");
            outcome = code is "evaluation_timeout" or "approval_timeout" ? "expired" : "rejected";
            message = CliBroker.Text(e.Message, "message");
        }
        else if (e.Exchange == CliBroker.ExchangeOf<PromotionCancelled>())
        {
            outcome = "cancelled";
            code = "cancelled";
            message = $"cancelled by {CliBroker.Text(e.Message, "cancelledBy")}: {CliBroker.Text(e.Message, "reason")}";
        }
        if (outcome is null) return null;
        var state = outcome switch { "promoted" => "Promoted", "expired" => "Expired", "cancelled" => "Cancelled", _ => "Rejected" };
        return new PromotionOutcome(request.PromotionId, request.ModelName, request.Version, request.TargetStage, outcome, state, code, message,
            "event", e.Message);
    }

    /// <summary>Prints a progress line for an approval event of this promotion; false when the event is about another.</summary>
    private static bool Progress(Guid promotionId, RegistryEvent e, TextWriter output)
    {
        if (!Is(e.Message, "promotionId", promotionId)) return false;
        if (e.Exchange == CliBroker.ExchangeOf<ApprovalRequested>())
        {
            var roles = CliBroker.TryGet(e.Message, "requiredRoles", out var r) && r.ValueKind == JsonValueKind.Array
                ? string.Join(", ", r.EnumerateArray().Select(v => v.GetString()))
                : "";
            var approvers = CliBroker.TryGet(e.Message, "distinctApprovers", out var a) ? a.ToString() : "?";
            output.WriteLine($"  waiting for approval: roles {(roles.Length > 0 ? roles : "-")}, {approvers} different approver(s), deadline {CliBroker.Text(e.Message, "deadline")}");
        }
        else if (e.Exchange == CliBroker.ExchangeOf<ApprovalRefused>())
        {
            output.WriteLine($"  a decision by {CliBroker.Text(e.Message, "approver")} was not counted ({CliBroker.Text(e.Message, "reasonCode")}): {CliBroker.Text(e.Message, "message")}");
        }
        return true;
    }

    /// <summary>The outcome as the database has it, when the promotion is over; reports each new open state it sees.</summary>
    private static async Task<PromotionOutcome?> PromotionFromDatabaseAsync(CliSettings settings, RequestPromotion request,
        Action<PromotionDetail> open, CancellationToken ct)
    {
        var detail = await FindPromotionAsync(settings, request.PromotionId, ct);
        if (detail is null) return null;
        if (detail.Open)
        {
            open(detail);
            return null;
        }
        var outcome = detail.State switch
        {
            "Promoted" => "promoted",
            "Expired" => "expired",
            "Cancelled" => "cancelled",
            _ => "rejected",
        };
        return new PromotionOutcome(request.PromotionId, request.ModelName, request.Version, request.TargetStage, outcome, detail.State,
            detail.OutcomeCode, detail.OutcomeMessage, "database", null);
    }

    private static async Task<string?> LastStateAsync(CliSettings settings, Guid promotionId)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        return (await FindPromotionAsync(settings, promotionId, limit.Token))?.State;
    }

    /// <summary>Null when there is no such row or the database cannot be read (the broker's events are the main source).</summary>
    private static async Task<PromotionDetail?> FindPromotionAsync(CliSettings settings, Guid promotionId, CancellationToken ct)
    {
        try
        {
            await using var dataSource = settings.CreateDataSource();
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            return await PromotionsCommand.FindAsync(connection, promotionId, ct);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            return null;
        }
    }

    private static string Describe(PromotionDetail p) => p.State switch
    {
        "AwaitingEvaluations" => $"waiting for evaluations (deadline {Time(p.EvaluationDeadline)})",
        "AwaitingApproval" => $"waiting for approval (deadline {Time(p.ApprovalDeadline)}, {p.Votes.Count} vote(s) so far)",
        _ => p.State,
    };

    private static void PrintOutcome(PromotionOutcome o, TextWriter output)
    {
        switch (o.Outcome)
        {
            case "promoted":
                output.WriteLine($"promoted: {o.ModelName}/{o.Version} to {o.TargetStage}{(o.Message is null ? "" : $" ({o.Message})")}");
                break;
            case "timed_out":
                output.WriteLine($"timed out: promotion {o.PromotionId} is {o.State ?? "not recorded yet"}; {o.Message}");
                break;
            default:
                output.WriteLine($"{o.Outcome}: {o.ModelName}/{o.Version} to {o.TargetStage}: {o.ReasonCode}: {o.Message}");
                break;
        }
    }

    // ---- cancel ------------------------------------------------------------------------------------------------------------

    /// <summary>Checks (read-only) that the promotion exists and is open, then publishes <see cref="CancelPromotion"/>.</summary>
    public static async Task<int> CancelAsync(CliSettings settings, string id, string? reason, string cancelledBy, bool json, TextWriter output,
        CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var promotionId)) return await FailAsync($"'{id}' is not a promotion id (a UUID, as `mreg promote` printed it)", 2);
        PromotionDetail? detail = null;
        var read = await CliDatabase.ReadAsync(settings, async connection =>
        {
            detail = await PromotionsCommand.FindAsync(connection, promotionId, ct);
            return 0;
        }, ct);
        if (read != 0) return read;
        if (detail is null) return await FailAsync($"no promotion {promotionId} (see `mreg promotions list`)", 1);
        if (!detail.Open)
            return await FailAsync($"promotion {promotionId} is over ({detail.State}{(detail.OutcomeCode is null ? "" : $": {detail.OutcomeCode}")}); nothing to cancel", 1);
        try
        {
            await using var broker = await CliBroker.ConnectAsync(settings, ct);
            await broker.PublishAsync(new CancelPromotion { PromotionId = promotionId, CancelledBy = cancelledBy, Reason = reason ?? "" }, ct);
        }
        catch (CliBrokerRefusal e)
        {
            return await FailAsync(e.Message, 1);
        }
        catch (Exception e) when (CliBroker.IsBrokerFailure(e))
        {
            return await FailAsync(Preflight.DescribeBrokerFailure(settings.RabbitMq, e), CliDatabase.ExitUnavailable);
        }
        if (json) CliJson.Write(output, new CancelRequested(promotionId, cancelledBy));
        else output.WriteLine($"cancellation of promotion {promotionId} ({detail.ModelName}/{detail.Version} -> {detail.TargetStage}) sent");
        return 0;
    }

    // ---- rollback ----------------------------------------------------------------------------------------------------------

    public static async Task<int> RollbackAsync(CliSettings settings, RequestRollback request, TimeSpan? wait, bool json, TextWriter output,
        CancellationToken ct)
    {
        try
        {
            await using var broker = await CliBroker.ConnectAsync(settings, ct);
            if (wait is not null) await broker.ListenAsync(RollbackEvents, ct);
            await broker.PublishAsync(request, ct);
            if (wait is not { } timeout)
            {
                if (json) CliJson.Write(output, new RollbackRequested(request.RollbackId, request.ModelName, request.IncidentId, request.RequestedBy));
                else output.WriteLine(request.RollbackId.ToString("D"));
                return 0;
            }
            if (!json) output.WriteLine($"rollback {request.RollbackId} of {request.ModelName} requested (incident {request.IncidentId}); waiting up to {Format(timeout)}");

            var outcome = await WaitAsync(broker, timeout,
                e => RollbackOutcomeOf(request, e),
                _ => { },
                token => RollbackFromDatabaseAsync(settings, request, token), ct);
            outcome ??= new RollbackOutcome(request.RollbackId, request.ModelName, "timed_out", null, null, null,
                $"no outcome within {Format(timeout)}", "none", null);
            if (json) CliJson.Write(output, outcome);
            else output.WriteLine(outcome.Outcome switch
            {
                "rolled_back" => $"rolled back: {outcome.ModelName} version {outcome.RestoredVersion} is production again, version {outcome.RetiredVersion} retired",
                "timed_out" => $"timed out: {outcome.Message}",
                _ => $"rejected: {outcome.ModelName}: {outcome.ReasonCode}: {outcome.Message}",
            });
            return outcome.Outcome switch
            {
                "rolled_back" => 0,
                "timed_out" => ExitTimedOut,
                _ => ExitRefused,
            };
        }
        catch (CliBrokerRefusal e)
        {
            return await FailAsync(e.Message, 1);
        }
        catch (Exception e) when (CliBroker.IsBrokerFailure(e))
        {
            return await FailAsync(Preflight.DescribeBrokerFailure(settings.RabbitMq, e), CliDatabase.ExitUnavailable);
        }
    }

    private static RollbackOutcome? RollbackOutcomeOf(RequestRollback request, RegistryEvent e)
    {
        if (!Is(e.Message, "rollbackId", request.RollbackId)) return null;
        if (e.Exchange == CliBroker.ExchangeOf<ModelVersionRolledBack>())
            return new RollbackOutcome(request.RollbackId, request.ModelName, "rolled_back", Int(e.Message, "restoredVersion"),
                Int(e.Message, "retiredVersion"), null, null, "event", e.Message);
        if (e.Exchange == CliBroker.ExchangeOf<RollbackRejected>())
            return new RollbackOutcome(request.RollbackId, request.ModelName, "rejected", null, null, CliBroker.Text(e.Message, "reasonCode"),
                CliBroker.Text(e.Message, "message"), "event", e.Message);
        return null;
    }

    // The rollback consumer records a rollback in registry.rollbacks and a refusal only in the audit log.
    private const string RollbackSql = """
        SELECT restored_version AS RestoredVersion, retired_version AS RetiredVersion FROM registry.rollbacks WHERE rollback_id = @RollbackId;

        SELECT details->>'reasonCode' AS ReasonCode, details->>'message' AS Message
        FROM registry.audit_log WHERE action = 'rollback.rejected' AND details->>'rollbackId' = @Id
        ORDER BY sequence DESC LIMIT 1;
        """;

    private static async Task<RollbackOutcome?> RollbackFromDatabaseAsync(CliSettings settings, RequestRollback request, CancellationToken ct)
    {
        try
        {
            await using var dataSource = settings.CreateDataSource();
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var results = await connection.QueryMultipleAsync(new CommandDefinition(RollbackSql,
                new { request.RollbackId, Id = request.RollbackId.ToString("D") }, cancellationToken: ct));
            if (await results.ReadSingleOrDefaultAsync<(int RestoredVersion, int RetiredVersion)?>() is { } done)
                return new RollbackOutcome(request.RollbackId, request.ModelName, "rolled_back", done.RestoredVersion, done.RetiredVersion, null, null,
                    "database", null);
            if (await results.ReadSingleOrDefaultAsync<(string ReasonCode, string Message)?>() is { } refused)
                return new RollbackOutcome(request.RollbackId, request.ModelName, "rejected", null, null, refused.ReasonCode, refused.Message,
                    "database", null);
            return null;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            return null;
        }
    }

    // ---- waiting -----------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Reads events until <paramref name="match"/> finds the outcome or <paramref name="timeout"/> passes, asking the database every
    /// few seconds and once more at the end (an event can be missed: the broker connection may drop). Null: timed out.
    /// </summary>
    private static async Task<T?> WaitAsync<T>(CliBroker broker, TimeSpan timeout, Func<RegistryEvent, T?> match,
        Action<RegistryEvent> progress, Func<CancellationToken, Task<T?>> fromDatabase, CancellationToken ct) where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left > TimeSpan.Zero)
            {
                using var slice = CancellationTokenSource.CreateLinkedTokenSource(ct);
                slice.CancelAfter(left < DatabaseCheckInterval ? left : DatabaseCheckInterval);
                if (await broker.NextAsync(slice.Token) is { } e)
                {
                    if (match(e) is { } found) return found;
                    progress(e);
                    continue;
                }
            }
            ct.ThrowIfCancellationRequested();
            using (var check = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                check.CancelAfter(TimeSpan.FromSeconds(5));
                if (await fromDatabase(check.Token) is { } stored) return stored;
            }
            if (DateTime.UtcNow >= deadline) return null;
        }
    }

    private static bool Is(JsonElement message, string property, Guid id) =>
        CliBroker.Text(message, property) is { } text && Guid.TryParse(text, out var value) && value == id;

    private static int? Int(JsonElement message, string property) =>
        CliBroker.TryGet(message, property, out var v) && v.TryGetInt32(out var n) ? n : null;

    private static string Time(DateTime? t) => t is { } value ? ModelsCommand.Time(value) : "-";

    internal static string Format(TimeSpan t) =>
        t.TotalSeconds < 1 ? $"{t.TotalMilliseconds:0}ms"
        : t.TotalMinutes < 1 ? $"{t.TotalSeconds:0.#}s"
        : t.TotalHours < 1 ? $"{t.TotalMinutes:0.#}m"
        : $"{t.TotalHours:0.#}h";

    private static async Task<int> FailAsync(string message, int exit)
    {
        await Console.Error.WriteLineAsync($"mreg: {message}");
        return exit;
    }
}
