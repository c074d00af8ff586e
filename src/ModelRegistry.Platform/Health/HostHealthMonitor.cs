using System.Runtime.InteropServices;
using System.Text.Json;
using Dapper;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelRegistry.Platform.Checkpoints;
using ModelRegistry.Platform.Outbox;
using Npgsql;

namespace ModelRegistry.Platform;

/// <summary>Set by the watchdog when the host must exit with something other than 0.</summary>
public sealed class HostExit
{
    public const int Stalled = 4;
    public int? Code { get; set; }
}

/// <summary>
/// The host's watchdog: every few seconds it asks the bus for its endpoints' health, the broker for
/// the consumers on this host's queues (a transport parked after a lost channel can still call itself
/// healthy), the database for a round trip and the outbox relay whether it is failing; it reports the
/// result in <c>registry.hosts</c> and the health file, and when the host has been stalled longer than
/// <see cref="HealthOptions.MaxStalled"/> it stops the process with exit code 4 for its supervisor to
/// start a fresh one (docs/architecture.md, "Faults").
/// </summary>
public sealed partial class HostHealthMonitor(
    IBusControl bus, RabbitMqOptions rabbit, NpgsqlDataSource dataSource, OutboxRelay relay, HealthOptions options,
    SelectedModules selected, AuditCheckpointHealth checkpoints, HostInstance instance, TimeProvider clock, IHostApplicationLifetime lifetime, HostExit exit,
    ILogger<HostHealthMonitor> logger) : BackgroundService
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan GracefulExit = TimeSpan.FromSeconds(5);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private readonly DateTimeOffset startedAt = clock.GetUtcNow();
    private readonly string workers = string.Join(",", selected.Modules.Select(w => w.Name));

    public HostHealthState State { get; private set; } = HostHealthState.Initial(clock.GetUtcNow());

    private const string Report = """
        INSERT INTO registry.hosts (instance, workers, status, detail, started_at, reported_at)
        VALUES (@Instance, @Workers, @Status, @Detail::jsonb, @StartedAt, now())
        ON CONFLICT (instance) DO UPDATE SET workers = excluded.workers, status = excluded.status,
            detail = excluded.detail, reported_at = excluded.reported_at
        """;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.CheckInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var seen = await ObserveAsync(stoppingToken);
                if (!seen.BrokerReachable) relay.AbandonInFlight("the broker does not answer");
                var previous = State;
                State = HostHealth.Next(previous, seen, clock.GetUtcNow());
                if (State.Status != previous.Status)
                    logger.Log(State.Status == HostHealthState.Consuming ? LogLevel.Information : LogLevel.Warning,
                        "Host health: {Status} {Detail}", State.Status, State.Detail);
                await PublishStateAsync(seen, stoppingToken);
                if (HostHealth.MustExit(State, clock.GetUtcNow(), options.MaxStalled))
                {
                    ExitStalled();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await ForgetAsync();
    }

    private async Task<HealthObservation> ObserveAsync(CancellationToken stoppingToken)
    {
        var health = bus.CheckHealth();
        var busProblem = health.Status == BusHealthStatus.Healthy ? null
            : $"bus {health.Status}: {health.Description}".Trim();
        IReadOnlyList<QueueState> queues = [];
        var brokerReachable = true;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(ProbeTimeout);
            queues = await QueueInspector.InspectAsync(rabbit, selected.Modules.SelectMany(w => w.Queues), timeout.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            // No answer is waited for; an answer that refuses (a permission, a login changed under the host) is a stall:
            // the bus cannot consume either, and only people can mend it.
            if (Unanswered(e)) brokerReachable = false;
            else busProblem ??= "the broker refuses the host's queue check: " + e.GetBaseException().Message;
        }
        var databaseReachable = true;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(ProbeTimeout);
            await using var connection = await dataSource.OpenConnectionAsync(timeout.Token);
            await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: timeout.Token));
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            databaseReachable = false;
        }
        return new HealthObservation(brokerReachable, databaseReachable, busProblem, queues, relay.FailingSince, relay.LastError, checkpoints.Problem);
    }

    private static bool Unanswered(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
            if (inner is System.Net.Sockets.SocketException or TimeoutException or OperationCanceledException
                or RabbitMQ.Client.Exceptions.ConnectFailureException or System.IO.EndOfStreamException or System.IO.IOException)
                return true;
        return false;
    }

    private async Task PublishStateAsync(HealthObservation seen, CancellationToken stoppingToken)
    {
        var report = new
        {
            instance = instance.Name,
            workers,
            status = State.Status,
            detail = State.Detail,
            since = State.Since,
            stalledSince = State.StalledSince,
            reportedAt = clock.GetUtcNow(),
            queues = seen.Queues.Select(q => new { queue = q.Queue, consumers = q.Consumers, messages = q.Messages }),
            outboxFailingSince = seen.RelayFailingSince,
        };
        var json = JsonSerializer.Serialize(report, Json);
        if (options.File.Length > 0)
        {
            try
            {
                var temporary = options.File + ".tmp";
                await File.WriteAllTextAsync(temporary, json, stoppingToken);
                File.Move(temporary, options.File, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning("Health:File {File} cannot be written: {Error}", options.File, e.Message);
            }
        }
        if (!seen.DatabaseReachable) return;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(ProbeTimeout);
            await using var connection = await dataSource.OpenConnectionAsync(timeout.Token);
            await connection.ExecuteAsync(new CommandDefinition(Report,
                new { Instance = instance.Name, Workers = workers, State.Status, Detail = json, StartedAt = startedAt }, cancellationToken: timeout.Token));
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            logger.LogDebug(e, "Host health not recorded");
        }
    }

    private void ExitStalled()
    {
        logger.LogCritical("Host stalled for {Seconds:0} s (Health:MaxStalledSeconds {Max}): {Detail}; exiting with code {Code} for the supervisor to start a fresh host",
            (clock.GetUtcNow() - State.StalledSince!.Value).TotalSeconds, options.MaxStalledSeconds, State.Detail, HostExit.Stalled);
        exit.Code = HostExit.Stalled;
        lifetime.StopApplication();
        // A wedged bus may not stop either: everything the host holds is safe to abandon (unacknowledged
        // messages are delivered again, open transactions roll back), as after a SIGKILL.
        _ = Task.Delay(GracefulExit).ContinueWith(_ => ExitNow(HostExit.Stalled), TaskScheduler.Default);
    }

    private async Task ForgetAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(ProbeTimeout);
            await using var connection = await dataSource.OpenConnectionAsync(timeout.Token);
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM registry.hosts WHERE instance = @Name", instance, cancellationToken: timeout.Token));
        }
        catch (Exception e)
        {
            logger.LogDebug(e, "Host row not removed");
        }
    }

    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void ExitNow(int status);
}
