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
}
