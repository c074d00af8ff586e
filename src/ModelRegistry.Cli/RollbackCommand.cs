using System.Text.Json;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform;
using ModelRegistry.Promotion.Rules;
using Npgsql;

namespace ModelRegistry.Cli;

// `mreg rollback`: publishes RequestRollback and, with --wait, reports the outcome.
internal static class RollbackCommand
{
    private static readonly Type[] RollbackEvents = [typeof(ModelVersionRolledBack), typeof(RollbackRejected)];

    public static async Task<int> RunAsync(CliSettings settings, RequestRollback request, TimeSpan? wait, bool json, TextWriter output,
        CancellationToken ct)
    {
        if (await RefuseImpossibleAsync(settings, request, ct) is { } refused) return refused;
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
            if (!json) output.WriteLine($"rollback {request.RollbackId} of {request.ModelName} requested (incident {request.IncidentId}); waiting up to {PromotionCommands.Format(timeout)}");

            var outcome = await OutcomeWait.WaitAsync(broker, timeout,
                e => RollbackOutcomeOf(request, e),
                _ => { },
                token => RollbackFromDatabaseAsync(settings, request, token), ct);
            outcome ??= new RollbackOutcome(request.RollbackId, request.ModelName, "timed_out", null, null, null,
                $"no outcome within {PromotionCommands.Format(timeout)}", "none", null);
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
    /// Reads (never writes) the model's production history and decides as the rollback worker would: when there is no such
    /// model or nothing to roll back to, the reason goes to stderr and the exit code is 1, before anything is sent. Null when
    /// the rollback can go ahead; the worker decides again under the model's lock.
    /// </summary>
    private static async Task<int?> RefuseImpossibleAsync(CliSettings settings, RequestRollback request, CancellationToken ct)
    {
        string? problem = null;
        var read = await CliDatabase.ReadAsync(settings, async connection =>
        {
            problem = await RollbackQueries.HistoryAsync(connection, request.ModelName, ct) switch
            {
                null => $"unknown_model: there is no model {request.ModelName} (see `mreg models list`); nothing was sent",
                var history => RollbackRules.Decide(request.ModelName, history.Production, history.Changes).Refused is { } refused
                    ? $"{refused.ReasonCode}: {refused.Message}; nothing was sent"
                    : null,
            };
            return 0;
        }, ct);
        if (read != 0) return read;
        return problem is null ? null : await CliDatabase.NotFoundAsync(problem);
    }

    private static RollbackOutcome? RollbackOutcomeOf(RequestRollback request, RegistryEvent e) => e.Message switch
    {
        ModelVersionRolledBack done when done.RollbackId == request.RollbackId => new RollbackOutcome(request.RollbackId, request.ModelName,
            "rolled_back", done.RestoredVersion, done.RetiredVersion, null, null, "event", e.Raw),
        RollbackRejected refused when refused.RollbackId == request.RollbackId => new RollbackOutcome(request.RollbackId, request.ModelName,
            "rejected", null, null, refused.ReasonCode, refused.Message, "event", e.Raw),
        _ => null,
    };

    private static async Task<RollbackOutcome?> RollbackFromDatabaseAsync(CliSettings settings, RequestRollback request, CancellationToken ct)
    {
        try
        {
            await using var dataSource = settings.CreateDataSource();
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            return await RollbackQueries.FindAsync(connection, request.RollbackId, ct) switch
            {
                { RolledBack: true } done => new RollbackOutcome(request.RollbackId, request.ModelName, "rolled_back", done.RestoredVersion,
                    done.RetiredVersion, null, null, "database", null),
                { } refused => new RollbackOutcome(request.RollbackId, request.ModelName, "rejected", null, null, refused.ReasonCode,
                    refused.Message, "database", null),
                null => null,
            };
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            return null;
        }
    }
}
