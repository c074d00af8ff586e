using ModelRegistry.Testing;
using ModelRegistry.Platform;
using Npgsql;

namespace ModelRegistry.Host.Tests;

/// <summary>A bad setting stops the start with one line on stderr that names it, and no stack trace.</summary>
public class Configuration_Specs(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    private async Task<(int Exit, string Line)> StartWith(Dictionary<string, string> changes, params string[] args)
    {
        var environment = new Dictionary<string, string>(env.EnvironmentVariables);
        foreach (var (k, v) in changes) environment[k] = v;
        await using var host = HostProcess.StartHost(environment, args);
        var exit = await host.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.DoesNotContain("   at ", host.Output);
        Assert.DoesNotContain("Exception", host.Output);
        var line = Assert.Single(host.StandardError);
        return (exit, line);
    }

    [Fact]
    public async Task Unreachable_broker()
    {
        var (exit, line) = await StartWith(new() { ["RabbitMq__Port"] = "1" });
        Assert.Equal(3, exit);
        Assert.Equal("mreg-host: RabbitMq:Host/RabbitMq:Port: cannot reach the broker at 127.0.0.1:1 (ConnectionRefused)", line);
    }

    [Fact]
    public async Task Wrong_broker_password()
    {
        var (exit, line) = await StartWith(new() { ["RabbitMq__Password"] = "not-the-password" });
        Assert.Equal(3, exit);
        Assert.StartsWith("mreg-host: RabbitMq:Username/RabbitMq:Password: the broker at", line);
    }

    [Fact]
    public async Task Missing_virtual_host()
    {
        var (exit, line) = await StartWith(new() { ["RabbitMq__VirtualHost"] = "no-such-vhost" });
        Assert.Equal(3, exit);
        Assert.StartsWith("mreg-host: RabbitMq:VirtualHost: 'no-such-vhost' does not exist", line);
    }

    [Fact]
    public async Task Missing_database()
    {
        var missing = new NpgsqlConnectionStringBuilder(env.Database.ConnectionString) { Database = "no_such_db" };
        var (exit, line) = await StartWith(new() { ["Database__ConnectionString"] = missing.ConnectionString });
        Assert.Equal(3, exit);
        Assert.Equal($"mreg-host: Database:ConnectionString: database 'no_such_db' does not exist on {missing.Host}:{missing.Port}", line);
    }

    [Fact]
    public async Task Wrong_database_password()
    {
        var wrong = new NpgsqlConnectionStringBuilder(env.Database.ConnectionString) { Password = "wrong" };
        var (exit, line) = await StartWith(new() { ["Database__ConnectionString"] = wrong.ConnectionString });
        Assert.Equal(3, exit);
        Assert.Equal($"mreg-host: Database:ConnectionString: PostgreSQL at {wrong.Host}:{wrong.Port} refused the login of user '{wrong.Username}' (wrong user or password)", line);
    }

    [Fact]
    public async Task Migrate_only_with_a_wrong_owner_password_is_one_line_and_exit_2()
    {
        var wrong = new NpgsqlConnectionStringBuilder(env.Database.MigrationConnectionString) { Password = "wrong" };
        var (exit, line) = await StartWith(new() { ["Database__MigrationConnectionString"] = wrong.ConnectionString }, "--migrate-only");
        Assert.Equal(2, exit);
        Assert.Equal($"mreg-host: Database:MigrationConnectionString: PostgreSQL at {wrong.Host}:{wrong.Port} refused the login of user '{wrong.Username}' (wrong user or password)", line);
    }

    [Fact]
    public async Task A_host_whose_runtime_role_owns_the_audit_log_refuses_to_start()
    {
        var (exit, line) = await StartWith(new() { ["Database__ConnectionString"] = env.Database.MigrationConnectionString }, "--check");
        Assert.Equal(2, exit);
        var owner = new NpgsqlConnectionStringBuilder(env.Database.MigrationConnectionString).Username;
        Assert.Equal($"mreg-host: Database:ConnectionString: role {owner} is a member of mreg_audit, which owns registry.audit_log, so it could alter or drop " +
                     "the log's triggers; run the workers as a role with data privileges only (mreg_app) and keep the owner's credentials for the migration step", line);
    }

    [Fact]
    public async Task A_host_running_as_a_superuser_refuses_to_start()
    {
        var superuser = new NpgsqlConnectionStringBuilder(env.Database.ConnectionString)
        {
            Username = "postgres",
            Password = Environment.GetEnvironmentVariable("MREG_PG_SUPERPASSWORD") ?? "postgres",
        };
        var (exit, line) = await StartWith(new() { ["Database__ConnectionString"] = superuser.ConnectionString });
        Assert.Equal(2, exit);
        Assert.Equal("mreg-host: Database:ConnectionString: role postgres is a superuser, so it could switch the audit log's triggers off and rewrite it; " +
                     "run the workers as a role with data privileges only (mreg_app) and keep the owner's credentials for the migration step", line);
    }

    [Fact]
    public async Task The_removed_migrate_at_start_setting_is_refused_with_what_to_run_instead()
    {
        var (exit, line) = await StartWith(new() { ["Database__MigrateAtStart"] = "true" });
        Assert.Equal(2, exit);
        Assert.Equal("mreg-host: Database:MigrateAtStart is no longer read: hosts never migrate, so they never hold the schema owner's credentials; " +
                     "run `mreg db migrate` or `ModelRegistry.Host --migrate-only` (as Database:MigrationConnectionString) before starting them, " +
                     "and remove the setting", line);
    }

    [Fact]
    public async Task A_setting_of_the_wrong_type()
    {
        var (exit, line) = await StartWith(new() { ["RabbitMq__Port"] = "five" });
        Assert.Equal(2, exit);
        Assert.Contains("RabbitMq:Port", line);
    }

    [Theory]
    [InlineData("Outbox__BatchTimeoutSeconds", "0", "mreg-host: Outbox:BatchTimeoutSeconds must be 1-3600 seconds (was 0)")]
    [InlineData("Health__MaxStalledSeconds", "3", "mreg-host: Health:MaxStalledSeconds must be at least twice Health:CheckIntervalSeconds and at most 86400 (was 3)")]
    [InlineData("Messages__MaxBodyBytes", "1000", "mreg-host: Messages:MaxBodyBytes must be 65536-134217728 bytes (64 KiB to 128 MiB; was 1000)")]
    [InlineData("Evaluation__MaxClockSkewSeconds", "-5", "mreg-host: Evaluation:MaxClockSkewSeconds must be 0-86400 seconds (was -5)")]
    public async Task A_recovery_or_message_setting_out_of_range(string key, string value, string expected)
    {
        var (exit, line) = await StartWith(new() { [key] = value });
        Assert.Equal(2, exit);
        Assert.Equal(expected, line);
    }

    [Fact]
    public async Task An_unknown_worker()
    {
        var (exit, line) = await StartWith([], "--workers", "probe,nope");
        Assert.Equal(2, exit);
        Assert.Equal("mreg-host: Workers: unknown worker 'nope' (known: registration, evaluation, promotion, deployments, retention, probe, audit, or all)", line);
    }

    [Fact]
    public async Task The_promotion_worker_needs_a_policy_file()
    {
        var (exit, line) = await StartWith(new() { ["Promotion__PolicyFile"] = "" });
        Assert.Equal(2, exit);
        Assert.StartsWith("mreg-host: Promotion:PolicyFile is empty", line);
    }

    [Fact]
    public async Task A_bad_promotion_policy_names_the_file_line_and_path()
    {
        var file = Path.Combine(Path.GetDirectoryName(env.PolicyFile)!, "bad-policy.json");
        await File.WriteAllTextAsync(file, TestPolicies.Standard().Replace("\"at_least\"", "\"upward\""));
        var (exit, line) = await StartWith(new() { ["Promotion__PolicyFile"] = file });
        Assert.Equal(2, exit);
        Assert.Matches(@"^mreg-host: Promotion:PolicyFile: .*bad-policy\.json line \d+: tiers\.medium\.staging\.gates\.metrics\[0\]\.direction: 'upward'", line);
    }

    [Fact]
    public async Task A_short_ticketing_secret_is_refused_without_showing_it()
    {
        var (exit, line) = await StartWith(new() { [$"Ticketing__Integrations__{TestPolicies.Integration}__Secret"] = "short-secret" });
        Assert.Equal(2, exit);
        Assert.StartsWith($"mreg-host: Ticketing:Integrations:{TestPolicies.Integration}:Secret", line);
        Assert.DoesNotContain("short-secret", line);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task A_checkpoint_key_that_others_may_read_or_that_is_missing_stops_the_host_with_one_line()
    {
        var folder = Path.GetDirectoryName(env.PolicyFile)!;
        var (key, pub) = TestCheckpointKey.MakeIn(Path.Combine(folder, "open-key"));
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var (exit, line) = await StartWith(new() { ["Audit__CheckpointKeyFile"] = key });
        Assert.Equal(2, exit);
        Assert.Equal($"mreg-host: Audit:CheckpointKeyFile: {key} is readable or writable by others than its owner: chmod 600 it", line);

        (exit, line) = await StartWith(new() { ["Audit__CheckpointKeyFile"] = "" });
        Assert.Equal(2, exit);
        Assert.StartsWith("mreg-host: Audit:CheckpointKeyFile: required: the PEM file of the audit checkpoint signing key", line);

        File.SetUnixFileMode(pub, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        (exit, line) = await StartWith(new() { ["Audit__CheckpointKeyFile"] = pub });
        Assert.Equal(2, exit);
        Assert.StartsWith($"mreg-host: Audit:CheckpointKeyFile: {pub} holds a public key", line);
    }

    [Fact]
    public async Task Without_the_promotion_worker_no_policy_is_needed()
    {
        var environment = new Dictionary<string, string>(env.EnvironmentVariables) { ["Promotion__PolicyFile"] = "" };
        await using var host = HostProcess.StartHost(environment, "--check", "--workers", "registration,evaluation,probe");
        Assert.Equal(0, await host.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task An_access_policy_error_names_the_file_the_line_and_the_path()
    {
        var file = Path.Combine(Path.GetTempPath(), $"access-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """
            {
              "registry": ["mreg-workers"],
              "principals": { "mreg-operator": { "roles": ["oncall"] } }
            }
            """);
        try
        {
            var (exit, line) = await StartWith(new() { ["Access__PolicyFile"] = file });
            Assert.Equal(2, exit);
            Assert.Equal($"mreg-host: Access:PolicyFile: {file} line 3: principals.mreg-operator.roles[0]: unknown role 'oncall'; " +
                         "expected one of requester, canceller, on-call, governance, triage, probe, retention, legal-hold", line);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task The_workers_must_connect_as_a_registry_user_of_the_access_policy()
    {
        var (exit, line) = await StartWith(new() { ["RabbitMq__Username"] = "mreg-operator", ["RabbitMq__Password"] = "mreg-operator" });
        Assert.Equal(2, exit);
        Assert.Equal("mreg-host: RabbitMq:Username: 'mreg-operator' is not a registry user of the access policy (Access:PolicyFile, \"registry\"): " +
                     "the workers' own messages would be refused", line);
    }
}
