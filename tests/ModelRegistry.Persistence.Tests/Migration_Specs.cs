using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using ModelRegistry.Platform;
using ModelRegistry.Testing;
using Npgsql;

namespace ModelRegistry.Persistence.Tests;

public class Migration_Specs(EmptyDatabaseEnvironment env) : IClassFixture<EmptyDatabaseEnvironment>
{
    private DatabaseMigrator Migrator => new(env.Database, NullLogger<DatabaseMigrator>.Instance);

    [Fact]
    public async Task Migrations_from_several_processes_at_once_apply_each_script_once_and_then_nothing()
    {
        var pendingBefore = Migrator.GetStatus().Pending;
        Assert.Contains("0001_registry_schema.sql", pendingBefore);
        Assert.Contains("0002_quartz_job_store", pendingBefore);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Migrator.MigrateAsync())));

        Assert.All(results, r => Assert.True(r.UpToDate));
        await using var owner = new NpgsqlConnection(env.Database.MigrationConnectionString);
        var journal = (await owner.QueryAsync<string>("SELECT scriptname FROM public.schema_versions ORDER BY schemaversionsid")).ToList();
        Assert.Equal(pendingBefore, journal);

        var again = await Migrator.MigrateAsync();
        Assert.Equal(journal, again.Applied);
        Assert.Empty(again.Pending);

        // Quartz's job store lives in its own schema, and the app role may use it.
        await using var c = await env.DataSource.OpenConnectionAsync();
        var quartzTables = await c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'quartz' AND table_name LIKE 'qrtz_%'");
        Assert.True(quartzTables >= 11, $"quartz tables: {quartzTables}");
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM quartz.qrtz_locks"));
        Assert.Equal(0, await c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'qrtz_%'"));
    }

    [Fact]
    public async Task The_application_role_reads_and_writes_data_but_cannot_change_the_schema()
    {
        await Migrator.MigrateAsync();
        await using var c = await env.DataSource.OpenConnectionAsync();
        Assert.Equal(env.Database.AppRole, await c.ExecuteScalarAsync<string>("SELECT current_user"));

        var denied = await Assert.ThrowsAsync<PostgresException>(() => c.ExecuteAsync("CREATE TABLE registry.intruder (id int)"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
        var dropDenied = await Assert.ThrowsAsync<PostgresException>(() => c.ExecuteAsync("DROP TABLE registry.probes"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, dropDenied.SqlState);
    }

    [Fact]
    public async Task A_migration_role_that_cannot_act_as_the_audit_owner_stops_at_0018_saying_what_to_run()
    {
        // A migration role of its own that owns a database of its own but is not a member of mreg_audit (the shared cluster's
        // mreg_audit stays as it is: other test classes use it).
        var name = "mreg_migrator_" + Guid.NewGuid().ToString("N")[..8];
        var superuser = new NpgsqlConnectionStringBuilder(env.Database.MigrationConnectionString)
        {
            Database = "postgres", Username = "postgres", Pooling = false,
            Password = Environment.GetEnvironmentVariable("MREG_PG_SUPERPASSWORD") ?? "postgres",
        };
        await using var admin = new NpgsqlConnection(superuser.ConnectionString);
        await admin.OpenAsync();
        await admin.ExecuteAsync($"CREATE ROLE {name} LOGIN PASSWORD '{name}'");
        try
        {
            await admin.ExecuteAsync($"CREATE DATABASE {name} OWNER {name}");
            var options = new DatabaseOptions
            {
                ConnectionString = new NpgsqlConnectionStringBuilder(env.Database.ConnectionString) { Database = name }.ConnectionString,
                MigrationConnectionString = new NpgsqlConnectionStringBuilder(superuser.ConnectionString)
                    { Database = name, Username = name, Password = name }.ConnectionString,
            };

            var failed = await Assert.ThrowsAsync<MigrationFailedException>(() =>
                new DatabaseMigrator(options, NullLogger<DatabaseMigrator>.Instance).MigrateAsync());

            Assert.Equal("0018_audit_owner.sql", failed.Script);
            Assert.Contains($"role {name} cannot act as mreg_audit: as the database superuser run GRANT mreg_audit TO {name};", failed.Message,
                StringComparison.Ordinal);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await admin.ExecuteAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            await admin.ExecuteAsync($"DROP ROLE {name}");
        }
    }
}
