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
        var (refused, production) = await RefuseImpossibleAsync(settings, request, ct);
        if (refused is { } exit) return exit;
        // Without --from, the rollback is of the production version read just now; the worker refuses it stale_rollback if
        // production changes before it arrives.
        if (request.FromVersion == 0) request = request with { FromVersion = production!.Value };
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
    /// model, nothing to roll back to, or production is not the version named by --from, the reason goes to stderr and the
    /// exit code is 1, before anything is sent. Otherwise no exit code and the production version; the worker decides again
    /// under the model's lock.
    /// </summary>
    private static async Task<(int? Exit, int? Production)> RefuseImpossibleAsync(CliSettings settings, RequestRollback request, CancellationToken ct)
    {
        string? problem = null;
        int? production = null;
        var read = await CliDatabase.ReadAsync(settings, async connection =>
        {
            var history = await RollbackQueries.HistoryAsync(connection, request.ModelName, ct);
            production = history?.Production;
            problem = history switch
            {
                null => $"unknown_model: there is no model {request.ModelName} (see `mreg models list`); nothing was sent",
                _ when RollbackRules.Decide(request.ModelName, history.Production, history.Changes).Refused is { } refused =>
                    $"{refused.ReasonCode}: {refused.Message}; nothing was sent",
                _ when request.FromVersion != 0 && request.FromVersion != history.Production =>
                    $"stale_rollback: {request.ModelName} version {request.FromVersion} is not production (version {history.Production} is); nothing was sent",
                _ => null,
            };
            return 0;
        }, ct);
        if (read != 0) return (read, null);
        return problem is null ? (null, production) : (await CliDatabase.NotFoundAsync(problem), null);
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
