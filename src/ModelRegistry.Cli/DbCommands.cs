using Microsoft.Extensions.Logging.Abstractions;
using ModelRegistry.Platform;

namespace ModelRegistry.Cli;

public static class DbCommands
{
    public static async Task<int> MigrateAsync(CliSettings settings, bool json, TextWriter output, CancellationToken ct)
    {
        var setting = $"{DatabaseOptions.Section}:MigrationConnectionString";
        var error = await Preflight.CheckDatabaseAsync(setting, settings.Database.EffectiveMigrationConnectionString, ct);
        if (error is not null)
        {
            await Console.Error.WriteLineAsync($"mreg: {error}");
            return 3;
        }
        var migrator = new DatabaseMigrator(settings.Database, NullLogger<DatabaseMigrator>.Instance);
        var before = migrator.GetStatus();
        MigrationStatus after;
        try
        {
            after = await migrator.MigrateAsync(ct);
        }
        catch (MigrationFailedException e)
        {
            await Console.Error.WriteLineAsync($"mreg: {setting}: {e.Message}");
            return 1;
        }
        var applied = after.Applied.Except(before.Applied).ToList();
        if (json) CliJson.Write(output, new { applied, level = after.Latest, pending = after.Pending });
        else
        {
            foreach (var script in applied) output.WriteLine($"applied {script}");
            output.WriteLine($"database at {after.Latest} ({after.Applied.Count} applied, {after.Pending.Count} pending)");
        }
        return 0;
    }
}
