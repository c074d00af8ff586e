using System.CommandLine;

namespace ModelRegistry.Cli;

/// <summary>The <c>mreg</c> command tree. Settings come from the same environment variables as the host.</summary>
public static class MregCommand
{
    public static RootCommand Build()
    {
        var json = new Option<bool>("--json") { Description = "machine-readable output", Recursive = true };

        var status = new Command("status",
            "broker, database and migration level, each worker queue's depth and consumers, error queues; exits 1 when something is down");
        status.SetAction((parse, ct) => StatusCommand.RunAsync(CliSettings.Load(), parse.GetValue(json), Console.Out, ct));

        var migrate = new Command("migrate", "apply pending schema migrations (as Database__MigrationConnectionString)");
        migrate.SetAction((parse, ct) => DbCommands.MigrateAsync(CliSettings.Load(), parse.GetValue(json), Console.Out, ct));
        var db = new Command("db", "database administration") { migrate };

        return new RootCommand("mreg: the model registry's command line. Settings: RabbitMq__*, Database__* environment variables (see README.md).")
        {
            json, status, db,
        };
    }
}
