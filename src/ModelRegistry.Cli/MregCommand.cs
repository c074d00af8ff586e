using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;

namespace ModelRegistry.Cli;

/// <summary>The <c>mreg</c> command tree. Settings come from the same environment variables as the host.</summary>
public static class MregCommand
{
    /// <summary>The command line does not parse (an unknown command or option, a missing or malformed argument).</summary>
    public const int ExitBadArguments = 2;

    /// <summary>
    /// Parses <paramref name="args"/> and runs the command. A command line that does not parse is one line on
    /// <paramref name="error"/> (what is wrong, and which <c>--help</c> to read) and exit 2, never the whole help text.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var parse = Build().Parse(args);
        if (ArgumentProblem(parse) is { } problem)
        {
            await error.WriteLineAsync(problem);
            return ExitBadArguments;
        }
        return await parse.InvokeAsync();
    }

    /// <summary>The one line <see cref="RunAsync"/> prints for a command line that does not parse; null when it parses or asks for help.</summary>
    public static string? ArgumentProblem(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        if (parse.Errors.Count == 0 || parse.Action is HelpAction) return null;
        var what = string.Join("; ", parse.Errors.Select(e => e.Message.ReplaceLineEndings(" ").Trim().TrimEnd('.')).Distinct());
        var path = new List<string>();
        for (var result = parse.CommandResult; result.Parent is CommandResult parent; result = parent) path.Insert(0, result.Command.Name);
        return $"mreg: {what}; see {string.Join(' ', ["mreg", .. path])} --help";
    }

    public static RootCommand Build()
    {
        var json = new Option<bool>("--json") { Description = "machine-readable output", Recursive = true };

        var status = new Command("status",
            "broker, database and migration level, each worker queue's depth and consumers, error queues; exits 1 when something is down");
        status.SetAction((parse, ct) => StatusCommand.RunAsync(CliSettings.Load(), parse.GetValue(json), Console.Out, ct));

        var migrate = new Command("migrate", "apply pending schema migrations (as Database__MigrationConnectionString)");
        migrate.SetAction((parse, ct) => DbCommands.MigrateAsync(CliSettings.Load(), parse.GetValue(json), Console.Out, ct));
        var db = new Command("db", "database administration") { migrate };

        var root = new RootCommand("mreg: the model registry's command line. Settings: RabbitMq__*, Database__*, Artifacts__* environment variables (see README.md). "
            + "mreg connects to the broker as RabbitMq__Username: the operator's user mreg-operator (./mreg's default) or a person's own, and every "
            + "command it publishes carries that user as its user_id, the principal the registry records and checks (docs/security.md); "
            + "mreg errors needs the workers' user instead (mreg-workers). "
            + "A command line that does not parse is one line on stderr and exit 2 (bad arguments).")
        {
            json, status, db, Models(json), Versions(json), Artifact(json), Errors(json), RejectionsCommand.Build(json), AuditCommand.Build(json),
            OutboxCommand.Build(json),
        };
        foreach (var command in PromotionCommandLine.Build(json)) root.Subcommands.Add(command);
        // What serves where (docs/deployments.md), then the demo.
        foreach (var command in new[] { TraceCommand.Build(json), DeploymentsCommand.Build(json), WhereCommand.Build(json), ProductionCommand.Build(json) })
            root.Subcommands.Add(command);
        foreach (var command in ReproduceCommandLine.Build(json)) root.Subcommands.Add(command);
        root.Subcommands.Add(ShadowCommand.Build(json));
        root.Subcommands.Add(ViolationsCommand.Build(json));
        root.Subcommands.Add(RetentionCommand.Build(json));
        // Retention (docs/retention.md).
        root.Subcommands.Add(HoldCommand.Build(json));
        root.Subcommands.Add(StorageCommand.Build(json));
        root.Subcommands.Add(Demo.DemoCommand.Build(json));
        return root;
    }

    private static Command Models(Option<bool> json)
    {
        var tag = new Option<string[]>("--tag")
        {
            Description = "only models labelled KEY=VALUE; repeat it and a model must carry every one",
            HelpName = "KEY=VALUE",
        };
        tag.Validators.Add(result =>
        {
            foreach (var text in result.GetValueOrDefault<string[]>() ?? [])
                if (ModelsCommand.ParseTag(text) is null) result.AddError($"--tag {text}: expected KEY=VALUE");
        });
        var team = new Option<string>("--team") { Description = "only models this team owns", HelpName = "TEAM" };
        var list = new Command("list",
            "registered models: owner team, risk tier, latest version, version count, last update, the versions in staging, shadow, canary and production")
        {
            tag, team,
        };
        list.SetAction((parse, ct) => ModelsCommand.ListAsync(CliSettings.Load(), parse.GetValue(tag) ?? [], parse.GetValue(team),
            parse.GetValue(json), Console.Out, ct));

        var name = ModelName();
        var show = new Command("show", "one model: its settings, current tags and versions; exits 1 when there is no such model") { name };
        show.SetAction((parse, ct) => ModelsCommand.ShowAsync(CliSettings.Load(), parse.GetRequiredValue(name), parse.GetValue(json), Console.Out, ct));

        var governed = ModelName();
        return new Command("models", "registered models") { list, show, GovernCommand.Build(json, governed) };
    }

    private static Command Versions(Option<bool> json)
    {
        var (name, version) = (ModelName(), VersionNumber());
        var show = new Command("show",
            "one version: artifact files and digests, lineage (run, code, datasets, base model, hyperparameters), tags, evaluations; exits 1 when unknown")
        {
            name, version,
        };
        show.SetAction((parse, ct) => VersionsCommand.ShowAsync(CliSettings.Load(), parse.GetRequiredValue(name), parse.GetValue(version),
            parse.GetValue(json), Console.Out, ct));
        return new Command("versions", "model versions") { show };
    }

    private static Command Artifact(Option<bool> json)
    {
        var (name, version) = (ModelName(), VersionNumber());
        var verify = new Command("verify",
            "re-hash a version's stored files (Artifacts__Root) and report each ok, MISSING or CORRUPT; exits 0 only when all are ok")
        {
            name, version,
        };
        verify.SetAction((parse, ct) => ArtifactCommand.VerifyAsync(CliSettings.Load(), parse.GetRequiredValue(name), parse.GetValue(version),
            parse.GetValue(json), Console.Out, ct));
        return new Command("artifact", "the artifact store") { verify, ReproduceCommandLine.Fetch(json) };
    }

    private static Command Errors(Option<bool> json)
    {
        var listQueue = Queue();
        var listLimit = Limit($"show at most N messages (default {ErrorsCommand.DefaultListLimit})");
        listLimit.DefaultValueFactory = _ => ErrorsCommand.DefaultListLimit;
        var list = new Command("list",
            "show the messages in QUEUE_error (id, type, fault, time, body) without taking them off the queue")
        {
            listQueue, listLimit,
        };
        list.SetAction((parse, ct) => ErrorsCommand.ListAsync(CliSettings.Load(), parse.GetRequiredValue(listQueue), parse.GetValue(listLimit),
            parse.GetValue(json), Console.Out, ct));

        var replayQueue = Queue();
        var replayLimit = Limit("replay at most N messages (default: all of them)");
        var messageId = new Option<string>("--message-id") { Description = "replay only the message with this id", HelpName = "ID" };
        var replay = new Command("replay",
            "move messages from QUEUE_error back to QUEUE, fault headers removed, each acknowledged only after the broker confirmed the copy; exits 1 when QUEUE_error does not exist")
        {
            replayQueue, replayLimit, messageId,
        };
        replay.SetAction((parse, ct) => ErrorsCommand.ReplayAsync(CliSettings.Load(), parse.GetRequiredValue(replayQueue),
            parse.GetResult(replayLimit) is null ? null : parse.GetValue(replayLimit), parse.GetValue(messageId), parse.GetValue(json), Console.Out, ct));

        return new Command("errors", "messages a worker gave up on, in its QUEUE_error queue. Needs the workers' broker user "
            + "(RabbitMq__Username=mreg-workers): no client user may read a worker's queues, and a replay keeps each message's original user_id, "
            + "which only the registry may publish; as any other user it exits 2 and says so") { list, replay };
    }

    private static Argument<string> ModelName() => new("NAME") { Description = "the model's name" };

    private static Argument<int> VersionNumber() => new("VERSION") { Description = "the version number" };

    private static Argument<string> Queue() => new("QUEUE") { Description = "a worker's queue, e.g. registration (its errors are in registration_error)" };

    private static Option<int> Limit(string description)
    {
        var limit = new Option<int>("--limit") { Description = description, HelpName = "N" };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1) result.AddError("--limit must be at least 1");
        });
        return limit;
    }
}
