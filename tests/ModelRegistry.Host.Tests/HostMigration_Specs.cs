using ModelRegistry.Platform;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// Migration is a separate step: a host never migrates and never needs the schema owner's credentials; it refuses to start on a
/// database that is behind, naming what to run; <c>--migrate-only</c> is that step, run as the operator, CI or an init container would.
/// </summary>
public class HostMigration_Specs(EmptyDatabaseEnvironment env) : IClassFixture<EmptyDatabaseEnvironment>
{
    [Fact]
    public async Task A_host_refuses_an_empty_database_migrate_only_migrates_it_and_then_hosts_start_without_the_owners_credentials()
    {
        await using (var behind = HostProcess.StartHost(env.EnvironmentVariables, "--check"))
        {
            Assert.Equal(3, await behind.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            var line = Assert.Single(behind.StandardError);
            Assert.StartsWith("mreg-host: Database: ", line, StringComparison.Ordinal);
            Assert.Contains("migration(s) pending (0001_registry_schema.sql, 0002_quartz_job_store, ", line, StringComparison.Ordinal);
            Assert.EndsWith($"; {DatabaseOptions.MigrateHint}", line, StringComparison.Ordinal);
        }

        await using (var migrate = HostProcess.StartHost(env.MigrationEnvironment, "--migrate-only"))
        {
            Assert.Equal(0, await migrate.WaitForExitAsync(TimeSpan.FromSeconds(120)));
            Assert.Empty(migrate.StandardError);
            Assert.Contains("applied 0001_registry_schema.sql", migrate.Output, StringComparison.Ordinal);
            Assert.Contains("applied 0018_audit_owner.sql", migrate.Output, StringComparison.Ordinal);
            Assert.Matches(@"database at \S+ \(\d+ applied, 0 pending\)", migrate.Output);
        }

        // The owner's credentials are wrong here: a host that used them would fail. It checks out as the runtime role alone.
        var runtimeOnly = new Dictionary<string, string>(env.EnvironmentVariables)
        {
            ["Database__MigrationConnectionString"] =
                new Npgsql.NpgsqlConnectionStringBuilder(env.Database.MigrationConnectionString) { Password = "wrong" }.ConnectionString,
        };
        await using (var check = HostProcess.StartHost(runtimeOnly, "--check"))
        {
            Assert.Equal(0, await check.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Empty(check.StandardError);
        }

        await using (var again = HostProcess.StartHost(env.MigrationEnvironment, "--migrate-only"))
        {
            Assert.Equal(0, await again.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.DoesNotContain("applied 0", again.Output, StringComparison.Ordinal);
        }
    }
}
