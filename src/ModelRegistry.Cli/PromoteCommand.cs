using System.Text.Json;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform;
using ModelRegistry.Registration;
using Npgsql;

namespace ModelRegistry.Cli;

// `mreg promote`: publishes RequestPromotion and, with --wait, reports approval progress and the outcome.
internal static class PromoteCommand
{
    // Not ApprovalRequested: it is for the ticketing integrations, and the operator's broker user may not read it
    // (compose/broker-users.json); the database tells when the promotion waits for approval, and for whom.
    private static readonly Type[] PromotionEvents =
        [typeof(ModelVersionPromoted), typeof(PromotionRejected), typeof(PromotionCancelled), typeof(ApprovalRefused)];

    public static async Task<int> RunAsync(CliSettings settings, RequestPromotion request, TimeSpan? wait, bool json, TextWriter output,
        CancellationToken ct)
    {
        if (await RefuseUnknownVersionAsync(settings, request, ct) is { } refused) return refused;
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
                output.WriteLine($"promotion {request.PromotionId} requested: {request.ModelName}/{request.Version} -> {request.TargetStage}; waiting up to {PromotionCommands.Format(timeout)}");

            string? shownState = null; // progress lines only when the state changes
            var outcome = await OutcomeWait.WaitAsync(broker, timeout,
                e => PromotionOutcomeOf(request, e),
                e =>
                {
                    if (!json) Progress(request.PromotionId, e, output);
                },
                token => PromotionFromDatabaseAsync(settings, request, open =>
                {
                    if (json || open.State == shownState) return;
                    shownState = open.State;
                    output.WriteLine($"  {Describe(open)}");
                }, token), ct);
            outcome ??= new PromotionOutcome(request.PromotionId, request.ModelName, request.Version, request.TargetStage, "timed_out",
                await LastStateAsync(settings, request.PromotionId), null,
                $"no outcome within {PromotionCommands.Format(timeout)}; the promotion stays open (`mreg promotions show {request.PromotionId}`, `mreg cancel {request.PromotionId}`)",
                "none", null);
            if (json) CliJson.Write(output, outcome);
            else PrintOutcome(outcome, output);
            return outcome.Outcome switch
            {
                "promoted" => 0,
                "timed_out" => PromotionCommands.ExitTimedOut,
                _ => PromotionCommands.ExitRefused,
            };
        }
        catch (CliBrokerRefusal e)
        {
            return await PromotionCommands.FailAsync(e.Message, 1);
        }
        catch (Exception e) when (CliBroker.IsBrokerFailure(e))
        {
            return await PromotionCommands.FailAsync(Preflight.DescribeBrokerFailure(settings.RabbitMq, e), CliDatabase.ExitUnavailable);
        }
    }

    /// <summary>
    /// Reads (never writes) whether the version exists: when it does not, the reason goes to stderr and the exit code is 1,
    /// before anything is sent. Null when it exists. The promotion worker checks again; this only spares a request that
    /// cannot succeed.
    /// </summary>
    private static async Task<int?> RefuseUnknownVersionAsync(CliSettings settings, RequestPromotion request, CancellationToken ct)
    {
        string? problem = null;
        var read = await CliDatabase.ReadAsync(settings, async connection =>
        {
            problem = await ModelQueries.LatestVersionAsync(connection, request.ModelName, ct) switch
            {
                null => $"unknown_version: there is no model {request.ModelName} (see `mreg models list`); nothing was sent",
                0 => $"unknown_version: {request.ModelName} has no versions; nothing was sent",
                var latest when request.Version < 1 || request.Version > latest =>
                    $"unknown_version: {request.ModelName} has no version {request.Version} (its versions are 1 to {latest}); nothing was sent",
                _ => null,
            };
            return 0;
        }, ct);
        if (read != 0) return read;
        return problem is null ? null : await CliDatabase.NotFoundAsync(problem);
    }

    private static PromotionOutcome? PromotionOutcomeOf(RequestPromotion request, RegistryEvent e)
    {
        var (outcome, code, message) = e.Message switch
        {
            ModelVersionPromoted p when p.PromotionId == request.PromotionId => ("promoted", "promoted",
                $"{p.FromStage} -> {p.ToStage}{(p.RetiredVersions.Count > 0 ? $", retired version(s) {string.Join(", ", p.RetiredVersions)}" : "")}"),
            PromotionRejected r when r.PromotionId == request.PromotionId =>
                (r.ReasonCode is "evaluation_timeout" or "approval_timeout" ? "expired" : "rejected", r.ReasonCode, r.Message),
            PromotionCancelled c when c.PromotionId == request.PromotionId => ("cancelled", "cancelled", $"cancelled by {c.CancelledBy}: {c.Reason}"),
            _ => ((string?)null, (string?)null, (string?)null),
        };
        if (outcome is null) return null;
        var state = outcome switch { "promoted" => "Promoted", "expired" => "Expired", "cancelled" => "Cancelled", _ => "Rejected" };
        return new PromotionOutcome(request.PromotionId, request.ModelName, request.Version, request.TargetStage, outcome, state, code, message,
            "event", e.Raw);
    }

    /// <summary>Prints a progress line for a refused approval of this promotion.</summary>
    private static void Progress(Guid promotionId, RegistryEvent e, TextWriter output)
    {
        if (e.Message is ApprovalRefused r && r.PromotionId == promotionId)
            output.WriteLine($"  a decision by {r.Approver} was not counted ({r.ReasonCode}): {r.Message}");
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
        "AwaitingApproval" => $"waiting for approval: roles {(p.RequiredRoles.Count > 0 ? string.Join(", ", p.RequiredRoles) : "-")}, " +
            $"{p.DistinctApprovers?.ToString() ?? "-"} different approver(s), deadline {Time(p.ApprovalDeadline)}, {p.Votes.Count} vote(s) so far",
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

    private static string Time(DateTime? t) => t is { } value ? ModelsCommand.Time(value) : "-";
}
