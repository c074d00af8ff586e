using Microsoft.Extensions.Logging.Abstractions;
using ModelRegistry.Platform;
using Npgsql;

namespace ModelRegistry.Cli;

public sealed record BrokerStatus(bool Up, string Address, string User, string? Error);
public sealed record DatabaseStatus(bool Up, string Address, string? Error, string? Migration, int Applied, IReadOnlyList<string> Pending);
public sealed record WorkerQueueStatus(string Worker, string Queue, bool Exists, uint Messages, uint Consumers, bool Up);
public sealed record ErrorQueueStatus(string Queue, bool Exists, uint Messages);
public sealed record StatusReport(bool Ok, BrokerStatus Broker, DatabaseStatus Database,
    IReadOnlyList<WorkerQueueStatus> Queues, IReadOnlyList<ErrorQueueStatus> ErrorQueues, IReadOnlyList<HostStatus> Hosts, long DeadOutboxRows);

public static class StatusCommand
{
    public static async Task<int> RunAsync(CliSettings settings, bool json, TextWriter output, CancellationToken ct)
    {
        var report = await CollectAsync(settings, ct);
        if (json) CliJson.Write(output, report);
        else Print(report, output);
        return report.Ok ? 0 : 1;
    }

    public static async Task<StatusReport> CollectAsync(CliSettings settings, CancellationToken ct)
    {
        var databaseTask = DatabaseAsync(settings.Database, ct);
        var rabbit = settings.RabbitMq;
        var brokerError = await Preflight.CheckBrokerAsync(rabbit, ct);
        var queues = new List<WorkerQueueStatus>();
        var errorQueues = new List<ErrorQueueStatus>();
        if (brokerError is null)
        {
            var names = ModelRegistry.Host.ModuleCatalog.All.SelectMany(w => w.Queues.Select(q => (Worker: w.Name, Queue: q))).ToList();
            try
            {
                // Passive declares: any broker user may make them, the operator's included.
                var states = await QueueInspector.InspectAsync(rabbit,
                    names.Select(n => n.Queue).Concat(names.Select(n => ErrorQueue(n.Queue))), ct);
                var byName = states.ToDictionary(s => s.Queue);
                foreach (var (worker, queue) in names)
                {
                    var s = byName[queue];
                    queues.Add(new WorkerQueueStatus(worker, queue, s.Exists, s.Messages, s.Consumers, s.Exists && s.Consumers > 0));
                    var e = byName[ErrorQueue(queue)];
                    errorQueues.Add(new ErrorQueueStatus(e.Queue, e.Exists, e.Messages));
                }
            }
            catch (Exception e)
            {
                brokerError = Preflight.DescribeBrokerFailure(rabbit, e);
            }
        }
        var broker = new BrokerStatus(brokerError is null, rabbit.Address, rabbit.Username, brokerError);
        var database = await databaseTask;
        var (hosts, dead) = database.Up ? await HostsAsync(settings, ct) : ([], 0);
        var ok = broker.Up && database.Up && database.Pending.Count == 0 && queues.All(q => q.Up)
            && hosts.All(h => h.Status != HostHealthState.Stalled || h.SecondsAgo > StaleSeconds);
        return new StatusReport(ok, broker, database, queues, errorQueues, hosts, dead);
    }

    /// <summary>A host report older than this is from a host that is gone (killed, or hung before it could exit).</summary>
    private const double StaleSeconds = 60;

    private static async Task<(IReadOnlyList<HostStatus>, long)> HostsAsync(CliSettings settings, CancellationToken ct)
    {
        try
        {
            await using var dataSource = settings.CreateDataSource();
            await using var c = await dataSource.OpenConnectionAsync(ct);
            var hosts = await HostReports.ListAsync(c, ct);
            var dead = await HostReports.DeadOutboxCountAsync(c, ct);
            return (hosts, dead);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return ([], 0);
        }
    }

    private static string ErrorQueue(string queue) => queue + "_error";

    private static async Task<DatabaseStatus> DatabaseAsync(DatabaseOptions options, CancellationToken ct)
    {
        var b = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        var address = $"{b.Host}:{b.Port}/{b.Database}";
        var error = await Preflight.CheckDatabaseAsync($"{DatabaseOptions.Section}:ConnectionString", options.ConnectionString, ct);
        if (error is not null) return new DatabaseStatus(false, address, error, null, 0, []);
        try
        {
            // As the runtime role, as a host reads it: status needs no owner's credentials.
            var status = await new DatabaseMigrator(options, NullLogger<DatabaseMigrator>.Instance).ReadStatusAsync(options.ConnectionString, ct);
            return new DatabaseStatus(true, address, null, status.Latest, status.Applied.Count, status.Pending);
        }
        catch (MigrationLevelUnreadableException e)
        {
            return new DatabaseStatus(false, address, $"{DatabaseOptions.Section}:ConnectionString: {e.Message}; {DatabaseOptions.MigrateHint}", null, 0, []);
        }
        catch (Exception e)
        {
            return new DatabaseStatus(false, address,
                $"{DatabaseOptions.Section}:ConnectionString: cannot read the migration level: {e.Message}", null, 0, []);
        }
    }

    private static void Print(StatusReport r, TextWriter o)
    {
        static string State(bool up) => up ? "up" : "DOWN";
        o.WriteLine($"broker     {State(r.Broker.Up),-5} {r.Broker.Address} as {r.Broker.User}{(r.Broker.Error is null ? "" : "  " + r.Broker.Error)}");
        var migration = r.Database.Up
            ? $"  migration {r.Database.Migration ?? "(none)"} ({r.Database.Applied} applied, {r.Database.Pending.Count} pending)"
            : "  " + r.Database.Error;
        o.WriteLine($"database   {State(r.Database.Up && r.Database.Pending.Count == 0),-5} {r.Database.Address}{migration}");
        if (r.Queues.Count > 0)
        {
            o.WriteLine();
            o.WriteLine($"{"worker",-14} {"queue",-24} {"messages",9} {"consumers",9}  state");
            foreach (var q in r.Queues)
                o.WriteLine($"{q.Worker,-14} {q.Queue,-24} {q.Messages,9} {q.Consumers,9}  {(q.Up ? "up" : q.Exists ? "DOWN (no consumers)" : "DOWN (no queue: never started)")}");
            o.WriteLine();
            o.WriteLine($"{"error queue",-39} {"messages",9}");
            foreach (var e in r.ErrorQueues)
                o.WriteLine($"{e.Queue,-39} {(e.Exists ? e.Messages.ToString() : "-"),9}");
        }
        o.WriteLine();
        if (r.Hosts.Count == 0) o.WriteLine("hosts      none has reported");
        foreach (var h in r.Hosts)
        {
            var state = h.SecondsAgo > StaleSeconds ? $"GONE? last report {h.SecondsAgo:0} s ago ({h.Status})" : h.Status == HostHealthState.Stalled ? "STALLED" : h.Status;
            o.WriteLine($"host {h.Instance}  workers {h.Workers}  {state}{(h.Detail is { Length: > 0 } d ? "  " + d : "")}");
            if (h.Queues.Length > 0) o.WriteLine($"     consumes (queue:consumers on the broker) {h.Queues}");
        }
        if (r.DeadOutboxRows > 0) o.WriteLine($"outbox     {r.DeadOutboxRows} dead row(s): mreg outbox dead list");
        o.WriteLine();
        o.WriteLine(r.Ok ? "status: ok" : "status: DOWN");
    }
}
