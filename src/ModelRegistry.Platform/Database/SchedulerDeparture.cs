using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ModelRegistry.Platform;

/// <summary>
/// Takes this process out of the Quartz cluster's member table once its scheduler has shut down cleanly. Quartz leaves
/// the row behind, so the next member to check in recovers it as a dead one and warns "detected 1 failed or restarted
/// instances" after every clean restart; without the row, that warning means what it says. A member that still owns
/// fired triggers keeps its row, for Quartz to recover its jobs.
/// </summary>
/// <remarks>Registered before Quartz's hosted service: hosted services stop in reverse order, so this runs after it.</remarks>
internal sealed class SchedulerDeparture(NpgsqlDataSource dataSource, HostInstance instance, ILogger<SchedulerDeparture> logger)
    : IHostedService
{
    private const string Leave = $"""
        DELETE FROM {QuartzSchema.TablePrefix}scheduler_state s
        WHERE s.sched_name = @Scheduler AND s.instance_name = @Instance
          AND NOT EXISTS (SELECT 1 FROM {QuartzSchema.TablePrefix}fired_triggers f
                          WHERE f.sched_name = s.sched_name AND f.instance_name = s.instance_name)
        """;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(Leave,
                new { Scheduler = QuartzSchema.SchedulerName, Instance = instance.Name }, cancellationToken: cancellationToken));
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            // Then Quartz recovers the row at the next member's check-in, with its warning: nothing is lost.
            logger.LogInformation("Could not leave the scheduler cluster ({Error}); the next host recovers this one's row", e.Message);
        }
    }
}
