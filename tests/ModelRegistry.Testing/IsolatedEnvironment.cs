using Xunit;
using System.Net.Http.Headers;
using System.Text;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using ModelRegistry.Platform;
using Npgsql;

namespace ModelRegistry.Testing;

/// <summary>
/// A private RabbitMQ vhost and a private PostgreSQL database for one test class, so runs never
/// see each other's queues or rows. The services must be up: a test that needs them fails
/// (never skips) with a message saying how to start them.
/// </summary>
public class IsolatedEnvironment : IAsyncLifetime
{
    private readonly TestSettings settings = TestSettings.Load();
    private static readonly HttpClient Management = new();
    private readonly string id = Guid.NewGuid().ToString("N")[..10];

    public RabbitMqOptions RabbitMq { get; private set; } = new();
    public DatabaseOptions Database { get; private set; } = new();
    public NpgsqlDataSource DataSource { get; private set; } = null!;

    /// <summary>Apply migrations when the environment is made (default), as the operator would: as the schema owner, before any host
    /// starts; or leave the database empty.</summary>
    protected virtual bool Migrate => true;

    /// <summary>This class's artifact store and the one folder its pipelines may point sources at.</summary>
    public string ArtifactsRoot => Path.Combine(Path.GetTempPath(), "mreg-test-" + id, "store");
    public string SourceRoot => Path.Combine(Path.GetTempPath(), "mreg-test-" + id, "incoming");

    /// <summary>The promotion policy file the host is started with (<see cref="PromotionPolicyJson"/>).</summary>
    public string PolicyFile => Path.Combine(Path.GetTempPath(), "mreg-test-" + id, "promotion-policy.json");

    /// <summary>The promotion policy of this class's hosts; override for other rules or short deadlines.</summary>
    protected virtual string PromotionPolicyJson => TestPolicies.Standard();

    /// <summary>The access policy file the host is started with, when <see cref="AccessPolicyJson"/> gives one.</summary>
    public string AccessPolicyFile => Path.Combine(Path.GetTempPath(), "mreg-test-" + id, "access-policy.json");

    /// <summary>The access policy of this class's hosts; null (default): the built-in one, which grants the development users.</summary>
    protected virtual string? AccessPolicyJson => null;

    public string VirtualHost => "mreg-test-" + id;
    public string DatabaseName => "mreg_test_" + id;

    /// <summary>
    /// The settings as the host and <c>mreg</c> read them from the environment: the runtime role only, as a host runs in
    /// production; the owner's credentials are in <see cref="MigrationEnvironment"/>.
    /// </summary>
    public IReadOnlyDictionary<string, string> EnvironmentVariables => Settings();

    /// <summary>What the separate migration step runs with (<c>--migrate-only</c>, <c>mreg db migrate</c>): the settings and the owner's connection.</summary>
    public IReadOnlyDictionary<string, string> MigrationEnvironment => new Dictionary<string, string>(Settings())
    {
        ["Database__MigrationConnectionString"] = Database.MigrationConnectionString,
    };

    /// <summary>
    /// What <c>mreg</c> runs with: <see cref="EnvironmentVariables"/> connecting as <paramref name="user"/>, by default the
    /// operator's user, as <c>./mreg</c> runs it (a person's commands must not go out as the registry's own principal);
    /// <c>mreg errors</c> needs <see cref="BrokerUsers.Workers"/>.
    /// </summary>
    public IReadOnlyDictionary<string, string> CliEnvironment(string user = BrokerUsers.Operator) => AsUser(EnvironmentVariables, user);

    /// <summary><paramref name="environment"/> with its broker user set to <paramref name="user"/> (the workers' keeps its own password).</summary>
    public IReadOnlyDictionary<string, string> AsUser(IReadOnlyDictionary<string, string> environment, string user)
    {
        var rabbit = user == BrokerUsers.Workers ? RabbitMq : As(user);
        return new Dictionary<string, string>(environment)
        {
            ["RabbitMq__Username"] = rabbit.Username,
            ["RabbitMq__Password"] = rabbit.Password,
        };
    }

    private Dictionary<string, string> Settings()
    {
        var settings = HostSettings(RabbitMq, Database, ArtifactsRoot, SourceRoot, PolicyFile);
        if (AccessPolicyJson is not null) settings["Access__PolicyFile"] = AccessPolicyFile;
        return settings;
    }

    /// <summary>
    /// What a test host is started with: the services (the database as the runtime role only: a host never holds the owner's
    /// credentials), its artifact folders, the promotion policy, the test approvers.
    /// </summary>
    public static Dictionary<string, string> HostSettings(RabbitMqOptions rabbit, DatabaseOptions database, string artifactsRoot, string sourceRoot,
        string policyFile)
    {
        var settings = new Dictionary<string, string>
        {
            ["RabbitMq__Host"] = rabbit.Host,
            ["RabbitMq__Port"] = rabbit.Port.ToString(),
            ["RabbitMq__VirtualHost"] = rabbit.VirtualHost,
            ["RabbitMq__Username"] = rabbit.Username,
            ["RabbitMq__Password"] = rabbit.Password,
            ["Database__ConnectionString"] = database.ConnectionString,
            ["Artifacts__Root"] = artifactsRoot,
            ["Artifacts__AllowedSourceRoots__0"] = sourceRoot,
            ["Artifacts__Fsync"] = "true",
            ["Promotion__PolicyFile"] = policyFile,
            [$"Ticketing__Integrations__{TestPolicies.Integration}__Secret"] = TestPolicies.Secret,
            [$"Ticketing__Integrations__{TestPolicies.Integration}__Approvers__0"] = "*",
            [$"Ticketing__Integrations__{TestPolicies.Integration}__Roles__0"] = "*",
            ["Audit__CheckpointKeyFile"] = TestCheckpointKey.PrivateKeyFile,
        };
        foreach (var (person, roles) in TestPolicies.Approvers)
            for (var i = 0; i < roles.Length; i++) settings[$"Approvers__{person}__Roles__{i}"] = roles[i];
        return settings;
    }

    public virtual async Task InitializeAsync()
    {
        await RequireServicesAsync();
        Directory.CreateDirectory(ArtifactsRoot);
        Directory.CreateDirectory(SourceRoot);
        await File.WriteAllTextAsync(PolicyFile, PromotionPolicyJson);
        if (AccessPolicyJson is { } access) await File.WriteAllTextAsync(AccessPolicyFile, access);
        await CreateVirtualHostAsync();
        await CreateDatabaseAsync();
        RabbitMq = Clone(settings.RabbitMq, r => r.VirtualHost = VirtualHost);
        Database = new DatabaseOptions
        {
            ConnectionString = WithDatabase(settings.Database.ConnectionString, DatabaseName),
            MigrationConnectionString = WithDatabase(settings.Database.EffectiveMigrationConnectionString, DatabaseName),
        };
        DataSource = DataSources.Create(Database.ConnectionString);
        if (Migrate) await new DatabaseMigrator(Database, NullLogger<DatabaseMigrator>.Instance).MigrateAsync();
    }

    public virtual async Task DisposeAsync()
    {
        if (DataSource is not null) await DataSource.DisposeAsync();
        try
        {
            Directory.Delete(Path.GetDirectoryName(ArtifactsRoot)!, recursive: true);
        }
        catch (IOException)
        {
        }
        // Best effort: a leftover vhost or database costs disk, not correctness.
        try
        {
            await Management.SendAsync(Request(HttpMethod.Delete, $"/api/vhosts/{VirtualHost}"));
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(WithDatabase(settings.Database.EffectiveMigrationConnectionString, "postgres"));
            await admin.OpenAsync();
            await admin.ExecuteAsync($"DROP DATABASE IF EXISTS {DatabaseName} WITH (FORCE)");
        }
        catch (Exception)
        {
        }
        
    }

    /// <summary>
    /// What only a superuser can do: switch triggers off for the session and change rows the
    /// application may not (the dev cluster's superuser, password MREG_PG_SUPERPASSWORD or "postgres").
    /// Returns the number of rows changed.
    /// </summary>
    public async Task<int> TamperAsSuperuserAsync(string sql)
    {
        var superuser = new NpgsqlConnectionStringBuilder(Database.MigrationConnectionString)
        {
            Username = "postgres",
            Password = Environment.GetEnvironmentVariable("MREG_PG_SUPERPASSWORD") ?? "postgres",
            Pooling = false,
        };
        await using var c = new NpgsqlConnection(superuser.ConnectionString);
        await c.OpenAsync();
        await c.ExecuteAsync("SET session_replication_role = replica");
        return await c.ExecuteAsync(sql);
    }

    private async Task RequireServicesAsync()
    {
        var problems = new List<string>();
        if (await Preflight.CheckBrokerAsync(settings.RabbitMq) is { } broker) problems.Add(broker);
        if (await Preflight.CheckDatabaseAsync("Database:MigrationConnectionString", settings.Database.EffectiveMigrationConnectionString) is { } db) problems.Add(db);
        if (problems.Count > 0)
            throw new InvalidOperationException(
                "Integration tests need RabbitMQ and PostgreSQL: run `compose/services.sh up` (./test.sh does). " + string.Join("; ", problems));
    }

    private async Task CreateVirtualHostAsync()
    {
        var created = await Management.SendAsync(Request(HttpMethod.Put, $"/api/vhosts/{VirtualHost}"));
        if (!created.IsSuccessStatusCode)
            throw new InvalidOperationException($"cannot create vhost {VirtualHost} through the management API at port {settings.ManagementPort} as {settings.AdminUsername}: {(int)created.StatusCode}");
        await GrantAsync(settings.AdminUsername, new(".*", ".*", ".*"));
        foreach (var (user, kind) in BrokerUsers.Users(settings.RabbitMq.Username))
            await GrantAsync(user, BrokerUsers.Of(kind, user));
    }

    /// <summary>Gives <paramref name="user"/> <paramref name="permissions"/> on this class's vhost.</summary>
    private async Task GrantAsync(string user, BrokerUsers.Permissions permissions)
    {
        var granted = await Management.SendAsync(Request(HttpMethod.Put, $"/api/permissions/{VirtualHost}/{Uri.EscapeDataString(user)}",
            System.Text.Json.JsonSerializer.Serialize(new { configure = permissions.Configure, write = permissions.Write, read = permissions.Read })));
        if (!granted.IsSuccessStatusCode)
            throw new InvalidOperationException($"cannot grant {user} on vhost {VirtualHost}: {(int)granted.StatusCode} {await granted.Content.ReadAsStringAsync()}");
    }

    /// <summary>
    /// A person's own broker user (password: the name), made if missing, with an operator's permissions on this class's
    /// vhost: what a test needs to send as someone the access policy names (docs/security.md).
    /// </summary>
    public async Task<RabbitMqOptions> PersonAsync(string user)
    {
        var made = await Management.SendAsync(Request(HttpMethod.Put, $"/api/users/{Uri.EscapeDataString(user)}",
            System.Text.Json.JsonSerializer.Serialize(new { password = BrokerUsers.PasswordOf(user), tags = "" })));
        if (!made.IsSuccessStatusCode)
            throw new InvalidOperationException($"cannot make broker user {user}: {(int)made.StatusCode} {await made.Content.ReadAsStringAsync()}");
        await GrantAsync(user, BrokerUsers.Of("operator", user));
        return As(user);
    }

    /// <summary>This class's vhost as <paramref name="user"/>, a client user of compose/broker-users.json (password: its name).</summary>
    public RabbitMqOptions As(string user) => Clone(RabbitMq, r =>
    {
        r.Username = user;
        r.Password = BrokerUsers.PasswordOf(user);
    });

    /// <summary>This class's vhost as the development admin: every permission, tagged impersonator (a test instrument, no actor).</summary>
    public RabbitMqOptions AdminRabbitMq => Clone(RabbitMq, r =>
    {
        r.Username = settings.AdminUsername;
        r.Password = settings.AdminPassword;
    });

    private async Task CreateDatabaseAsync()
    {
        await using var admin = new NpgsqlConnection(WithDatabase(settings.Database.EffectiveMigrationConnectionString, "postgres"));
        await admin.OpenAsync();
        var appRole = settings.Database.AppRole;
        await admin.ExecuteAsync($"CREATE DATABASE {DatabaseName}");
        await admin.ExecuteAsync($"REVOKE ALL ON DATABASE {DatabaseName} FROM PUBLIC");
        await admin.ExecuteAsync($"GRANT CONNECT, TEMP ON DATABASE {DatabaseName} TO \"{appRole}\"");
    }

    private HttpRequestMessage Request(HttpMethod method, string path, string? json = null)
    {
        var request = new HttpRequestMessage(method, $"http://{settings.RabbitMq.Host}:{settings.ManagementPort}{path}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.AdminUsername}:{settings.AdminPassword}")));
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return request;
    }

    private static string WithDatabase(string connectionString, string database) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Database = database }.ConnectionString;

    private static RabbitMqOptions Clone(RabbitMqOptions o, Action<RabbitMqOptions> change)
    {
        var copy = new RabbitMqOptions
        {
            Host = o.Host, Port = o.Port, VirtualHost = o.VirtualHost, Username = o.Username, Password = o.Password,
            PrefetchCount = o.PrefetchCount, StopTimeoutSeconds = o.StopTimeoutSeconds,
        };
        change(copy);
        return copy;
    }
}

/// <summary>An isolated environment whose database has no schema yet.</summary>
public sealed class EmptyDatabaseEnvironment : IsolatedEnvironment
{
    protected override bool Migrate => false;
}
