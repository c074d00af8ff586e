using ModelRegistry.Contracts.Retention;
using ModelRegistry.Platform;
using ModelRegistry.Retention;
using Npgsql;

namespace ModelRegistry.Cli;

// `mreg hold place | release`: publishes the command and waits for its LegalHoldChanged (or finds it in the audit log).
internal static class HoldRequestCommand
{
    private static readonly Type[] HoldEvents = [typeof(LegalHoldChanged)];

    public static Task<int> RunAsync(CliSettings settings, PlaceLegalHold request, TimeSpan timeout, bool json, TextWriter output, CancellationToken ct) =>
        RunAsync(settings, request.RequestId, request.RequestId, "placed", (broker, token) => broker.PublishAsync(request, token), timeout, json, output, ct);

    public static Task<int> RunAsync(CliSettings settings, ReleaseLegalHold request, TimeSpan timeout, bool json, TextWriter output, CancellationToken ct) =>
        RunAsync(settings, request.RequestId, request.HoldId, "released", (broker, token) => broker.PublishAsync(request, token), timeout, json, output, ct);

    private static async Task<int> RunAsync(CliSettings settings, Guid requestId, Guid holdId, string what, Func<CliBroker, CancellationToken, Task> publish,
        TimeSpan timeout, bool json, TextWriter output, CancellationToken ct)
    {
        try
        {
            await using var broker = await CliBroker.ConnectAsync(settings, ct);
            await broker.ListenAsync(HoldEvents, ct);
            var sentAt = DateTimeOffset.UtcNow.AddMinutes(-1);
            await publish(broker, ct);
            var outcome = await OutcomeWait.WaitAsync(broker, timeout,
                e => e.Message is LegalHoldChanged c && c.RequestId == requestId
                    ? new HoldOutcome(requestId, c.HoldId, c.Outcome, c.ReasonCode, c.Message, "event", e.Raw)
                    : null,
                _ => { },
                token => FromAuditLogAsync(settings, requestId, holdId, sentAt, token), ct);
            outcome ??= new HoldOutcome(requestId, holdId, "timed_out", null,
                $"no answer within {PromotionCommands.Format(timeout)}; the hold may still be {what} (`mreg hold list --all`)", "none", null);
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

    private static async Task<HoldOutcome?> FromAuditLogAsync(CliSettings settings, Guid requestId, Guid holdId, DateTimeOffset since, CancellationToken ct)
    {
        try
        {
            await using var dataSource = settings.CreateDataSource();
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            return await LegalHoldQueries.FindAsync(connection, requestId, since, ct) is { } found
                ? new HoldOutcome(requestId, Guid.TryParse(found.HoldId, out var id) ? id : holdId, found.Action["hold.".Length..], found.ReasonCode,
                    found.Message ?? "", "database", null)
                : null;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            return null;
        }
    }
}
