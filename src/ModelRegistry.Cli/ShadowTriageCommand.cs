using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Deployments;
using ModelRegistry.Platform;
using Npgsql;

namespace ModelRegistry.Cli;

// `mreg shadow adopt | dismiss`: publishes the command and waits for its ShadowModelTriaged (or finds it in the audit log).
internal static class ShadowTriageCommand
{
    private static readonly Type[] TriageEvents = [typeof(ShadowModelTriaged)];

    public static Task<int> RunAsync(CliSettings settings, AdoptShadowModel request, TimeSpan timeout, bool json, TextWriter output, CancellationToken ct) =>
        RunAsync(settings, request, request.RequestId, request.ManifestDigest, (broker, token) => broker.PublishAsync(request, token), timeout, json, output, ct);

    public static Task<int> RunAsync(CliSettings settings, DismissShadowModel request, TimeSpan timeout, bool json, TextWriter output, CancellationToken ct) =>
        RunAsync(settings, request, request.RequestId, request.ManifestDigest, (broker, token) => broker.PublishAsync(request, token), timeout, json, output, ct);

    private static async Task<int> RunAsync(CliSettings settings, object request, Guid requestId, string digest, Func<CliBroker, CancellationToken, Task> publish,
        TimeSpan timeout, bool json, TextWriter output, CancellationToken ct)
    {
        try
        {
            await using var broker = await CliBroker.ConnectAsync(settings, ct);
            await broker.ListenAsync(TriageEvents, ct);
            var sentAt = DateTimeOffset.UtcNow.AddMinutes(-1);
            await publish(broker, ct);
            var outcome = await OutcomeWait.WaitAsync(broker, timeout,
                e => e.Message is ShadowModelTriaged t && t.RequestId == requestId
                    ? new ShadowTriageOutcome(requestId, t.ManifestDigest, t.Outcome, t.ReasonCode, t.Message, "event", e.Raw)
                    : null,
                _ => { },
                token => FromAuditLogAsync(settings, requestId, digest, sentAt, token), ct);
            outcome ??= new ShadowTriageOutcome(requestId, digest, "timed_out", null,
                $"no answer within {PromotionCommands.Format(timeout)}; the {(request is AdoptShadowModel ? "adoption" : "dismissal")} may still be carried out "
                + "(`mreg shadow list --all`)", "none", null);
            return OutcomeWait.Report(output, json, outcome, outcome.Outcome, outcome.ReasonCode, outcome.Message);
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

    private static async Task<ShadowTriageOutcome?> FromAuditLogAsync(CliSettings settings, Guid requestId, string digest, DateTimeOffset since,
        CancellationToken ct)
    {
        try
        {
            await using var dataSource = settings.CreateDataSource();
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            return await ShadowQueries.FindTriageAsync(connection, requestId, since, ct) is { } found
                ? new ShadowTriageOutcome(requestId, digest, found.Action == "shadow.refused" ? "refused" : found.Outcome ?? found.Action["shadow.".Length..],
                    found.ReasonCode, found.Message ?? "", "database", null)
                : null;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            return null;
        }
    }
}
