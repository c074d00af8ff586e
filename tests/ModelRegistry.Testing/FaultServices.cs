using System.Diagnostics;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using ModelRegistry.Platform;
using Npgsql;
using Xunit;

namespace ModelRegistry.Testing;

/// <summary>
/// A RabbitMQ node and a PostgreSQL cluster of the fault tests' own, started with the project's
/// <c>compose/services.sh</c> under other ports and a data folder that is wiped first, so the tests
/// can stop and restart them without disturbing any other test. No management plugin (it adds
/// seconds to every broker stop).
/// </summary>
public sealed class FaultServices : IAsyncLifetime
{
    public const int RabbitPort = 5693, PostgresPort = 5453, EpmdPort = 4390;
    private static readonly string Repository = FindRepository();
    private readonly string dataDir = Path.Combine(Path.GetTempPath(), "mreg-faults");
    private readonly string id = Guid.NewGuid().ToString("N")[..8];

    public RabbitMqOptions RabbitMq { get; } = new() { Port = RabbitPort, VirtualHost = "mreg", Username = "mreg-workers", Password = "mreg-workers" };
    /// <summary>The broker as <paramref name="user"/>, a client user of compose/broker-users.json (password: its name).</summary>
    public RabbitMqOptions As(string user) => new()
    {
        Host = RabbitMq.Host, Port = RabbitMq.Port, VirtualHost = RabbitMq.VirtualHost, Username = user, Password = BrokerUsers.PasswordOf(user),
    };

    public DatabaseOptions Database { get; } = new()
    {
        ConnectionString = $"Host=127.0.0.1;Port={PostgresPort};Database=model_registry;Username=mreg_app;Password=mreg_app;Timeout=5;Command Timeout=30",
        MigrationConnectionString = $"Host=127.0.0.1;Port={PostgresPort};Database=model_registry;Username=mreg_owner;Password=mreg_owner",
    };
    public NpgsqlDataSource DataSource { get; private set; } = null!;
    public string ArtifactsRoot => Path.Combine(Path.GetTempPath(), "mreg-faults-" + id, "store");
    public string SourceRoot => Path.Combine(Path.GetTempPath(), "mreg-faults-" + id, "incoming");
    public string PolicyFile => Path.Combine(Path.GetTempPath(), "mreg-faults-" + id, "promotion-policy.json");

    /// <summary>What every fault test's host is started with.</summary>
    public Dictionary<string, string> EnvironmentVariables(params (string Key, string Value)[] extra)
    {
        var settings = IsolatedEnvironment.HostSettings(RabbitMq, Database, ArtifactsRoot, SourceRoot, PolicyFile);
        foreach (var (key, value) in extra) settings[key] = value;
        return settings;
    }

    public async Task InitializeAsync()
    {
        await RunAsync("down");
        if (Directory.Exists(dataDir)) Directory.Delete(dataDir, recursive: true);
        await RunAsync("up");
        Directory.CreateDirectory(ArtifactsRoot);
        Directory.CreateDirectory(SourceRoot);
        await File.WriteAllTextAsync(PolicyFile, TestPolicies.Standard());
        DataSource = DataSources.Create(Database.ConnectionString);
        await new DatabaseMigrator(Database, NullLogger<DatabaseMigrator>.Instance).MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        if (DataSource is not null) await DataSource.DisposeAsync();
        await RunAsync("down");
        try
        {
            Directory.Delete(Path.GetDirectoryName(ArtifactsRoot)!, recursive: true);
            Directory.Delete(dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public Task StopBrokerAsync() => RunAsync("down", "rabbitmq");
    public Task StartBrokerAsync() => RunAsync("up", "rabbitmq");
    public Task StopDatabaseAsync() => RunAsync("down", "postgres");
    public Task StartDatabaseAsync() => RunAsync("up", "postgres");

    /// <summary>Runs rabbitmqctl against the fault tests' node.</summary>
    public Task RabbitCtlAsync(params string[] args) =>
        ExecAsync("/usr/lib/rabbitmq/bin/rabbitmqctl", args, new Dictionary<string, string>
        {
            ["HOME"] = Path.Combine(dataDir, "rabbitmq", "home"),
            ["RABBITMQ_NODENAME"] = "mreg-faults@localhost",
            ["ERL_EPMD_PORT"] = EpmdPort.ToString(),
        });

    /// <summary>A count from the database, or null while it cannot be reached.</summary>
    public async Task<long?> TryCountAsync(string sql, object? parameters = null)
    {
        try
        {
            await using var c = await DataSource.OpenConnectionAsync();
            return await c.ExecuteScalarAsync<long>(sql, parameters);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return null;
        }
    }

    private Task RunAsync(params string[] args) =>
        ExecAsync("bash", [Path.Combine(Repository, "compose", "services.sh"), .. args], new Dictionary<string, string>
        {
            ["MREG_DATA_DIR"] = dataDir,
            ["MREG_RABBIT_NODE"] = "mreg-faults@localhost",
            ["MREG_RABBIT_PORT"] = RabbitPort.ToString(),
            ["MREG_RABBIT_MGMT_PORT"] = (RabbitPort + 10000).ToString(),
            ["MREG_EPMD_PORT"] = EpmdPort.ToString(),
            ["MREG_RABBIT_MANAGEMENT"] = "0",
            ["MREG_PG_PORT"] = PostgresPort.ToString(),
        });

    private static async Task ExecAsync(string file, string[] args, Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment) info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {await output}{await errors}");
    }

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "compose", "services.sh"))) return dir.FullName;
        throw new InvalidOperationException("compose/services.sh not found above " + AppContext.BaseDirectory);
    }
}
