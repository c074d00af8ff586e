using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using ModelRegistry.Evaluation;
using ModelRegistry.Platform;
using ModelRegistry.Registration;

namespace ModelRegistry.Cli.Demo;

/// <summary>
/// <c>mreg demo</c>: the sample lifecycle (<see cref="DemoLifecycle"/>) played by simulated outside systems that reach the
/// running registry only through RabbitMQ, as real ones do. It never reads or writes the database.
/// </summary>
public static class DemoCommand
{
    public const int ExitFailed = 1;
    public const int ExitSettings = 2;

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan ReadinessPoll = TimeSpan.FromMilliseconds(500);

    public static Command Build(Option<bool> json)
    {
        var timeout = Duration("--timeout", $"how long each step may wait for the registry's answer (default {PromotionCommands.Format(DefaultTimeout)})");
        var waitForHost = Duration("--wait-for-host",
            "first wait up to D for the registry's workers to consume (./run.sh --demo starts the demo beside the host); without it the demo stops at once when they do not");
        var demo = new Command("demo",
            "run the sample lifecycle against the running registry, through RabbitMQ only: a training pipeline registers demo- models "
            + "(one fine-tuned from another), an evaluation job records benchmark, bias and security results, a release manager promotes "
            + "to staging and production, the dev ticketing integration approves (and once rejects), an on-call engineer rolls back. "
            + "Each run trains new versions of the same models. Needs Ticketing__Integrations__dev__Secret, Approvers__* and "
            + "Artifacts__AllowedSourceRoots__0 as the host has them (./run.sh sets them). " + DemoUsersOptions.Help + " "
            + $"Exit codes: 0 done, {ExitFailed} a step failed or timed out, {ExitSettings} a setting missing or invalid, {CliDatabase.ExitUnavailable} broker unreachable.")
        {
            timeout, waitForHost, Ticketing(json),
        };
        demo.SetAction((parse, ct) => RunAsync(new ConfigurationBuilder().AddEnvironmentVariables().Build(),
            PromotionCommands.ParseDuration(parse.GetValue(timeout)) ?? DefaultTimeout, PromotionCommands.ParseDuration(parse.GetValue(waitForHost)),
            parse.GetValue(json), Console.Out, Console.Error, ct));
        return demo;
    }

    public static async Task<int> RunAsync(IConfiguration configuration, TimeSpan timeout, TimeSpan? waitForHost, bool json, TextWriter output,
        TextWriter errors, CancellationToken ct)
    {
        var (settings, problems) = DemoSettings.Load(configuration);
        if (settings is null)
        {
            foreach (var problem in problems) await errors.WriteLineAsync($"mreg demo: {problem}");
            return ExitSettings;
        }
        var rabbit = settings.RabbitMq;
        try
        {
            // A passive declare, which any user may make: the release manager's.
            if (await WorkersNotConsumingAsync(settings.Operator, waitForHost ?? TimeSpan.Zero, ct) is { } idle)
            {
                await errors.WriteLineAsync($"mreg demo: the registry is not running on {rabbit.Host}:{rabbit.Port} vhost {rabbit.VirtualHost} ({idle}): " +
                    "start it with ./run.sh, or run ./run.sh --demo");
                return ExitFailed;
            }
            var log = new DemoLog(output, json);
            var round = $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..3]}";
            // Each actor as the outside system it plays: its own connection, as its own broker user.
            await using var pipelineBroker = await DemoBroker.ConnectAsync(settings.Pipeline, TrainingPipelineActor.Name, ct);
            await using var evaluatorBroker = await DemoBroker.ConnectAsync(settings.Evaluator, EvaluationJobActor.Name, ct);
            await using var ticketingBroker = await DemoBroker.ConnectAsync(settings.Ticketing, TicketingActor.Name, ct);
            await using var releaseBroker = await DemoBroker.ConnectAsync(settings.Operator, ReleaseManagerActor.Name, ct);
            await using var oncallBroker = await DemoBroker.ConnectAsync(settings.Operator, OnCallActor.Name, ct);
            await using var ticketing = await TicketingActor.StartAsync(ticketingBroker, log, settings, ct);
            await using var pipelineInbox = await pipelineBroker.OpenInboxAsync(TrainingPipelineActor.InboxPurpose, TrainingPipelineActor.Events, ct);
            await using var evaluatorInbox = await evaluatorBroker.OpenInboxAsync(EvaluationJobActor.InboxPurpose, EvaluationJobActor.Events, ct);
            await using var releaseInbox = await releaseBroker.OpenInboxAsync(ReleaseManagerActor.InboxPurpose, ReleaseManagerActor.Events, ct);
            await using var oncallInbox = await oncallBroker.OpenInboxAsync(OnCallActor.InboxPurpose, OnCallActor.Events, ct);
            var pipeline = new TrainingPipelineActor(pipelineBroker, pipelineInbox, log, settings.SourceRoot, round, timeout);
            log.Line(DemoLifecycle.Name, $"round {round}: the actors below reach the registry only through RabbitMQ; the pipeline writes its files " +
                $"under {Shown(pipeline.RunFolder)}");
            pipeline.RemoveEarlierRuns();
            await new DemoLifecycle(pipeline, new EvaluationJobActor(evaluatorBroker, evaluatorInbox, log, timeout),
                new ReleaseManagerActor(releaseBroker, releaseInbox, ticketing, log, timeout), new OnCallActor(oncallBroker, oncallInbox, log, timeout), log)
                .RunAsync(round, ct);
            return 0;
        }
        catch (DemoFailure e)
        {
            await errors.WriteLineAsync($"mreg demo: failed: [{e.Actor}] {e.Message}");
            return ExitFailed;
        }
        catch (Exception e) when (CliBroker.IsBrokerFailure(e))
        {
            await errors.WriteLineAsync($"mreg demo: {Preflight.DescribeBrokerFailure(rabbit, e)}");
            return CliDatabase.ExitUnavailable;
        }
    }

    private static Command Ticketing(Option<bool> json)
    {
        var ticketing = new Command("ticketing",
            "keep the demo's ticketing actor running until Ctrl-C: it reads the durable queue ticketing.dev and signs a decision for every "
            + "approval request with the dev integration's secret, by configured approvers (Approvers__*) holding the required roles. "
            + "A development stand-in for the people who approve, never for production: it approves whatever reached approval (the "
            + "stage's gates passed) unless the evidence holds a high or critical security finding, which it rejects; requests of "
            + "`mreg demo`'s own release manager it leaves to that run. ./run.sh --demo starts it once the demo is done, so "
            + "`./mreg promote ... --wait` completes. Needs the same settings as mreg demo; connects as Demo__TicketingUser (default mreg-ticketing). "
            + $"Exit codes: 0 stopped (SIGINT/SIGTERM), {ExitFailed} the ticketing.dev queue missing or a login refused, {ExitSettings} a setting missing or invalid, {CliDatabase.ExitUnavailable} broker unreachable.");
        ticketing.SetAction((parse, ct) => RunTicketingAsync(new ConfigurationBuilder().AddEnvironmentVariables().Build(), parse.GetValue(json),
            Console.Out, Console.Error, ct));
        return ticketing;
    }

    /// <summary><c>mreg demo ticketing</c>: the standing ticketing actor, until <paramref name="ct"/> is cancelled (Ctrl-C).</summary>
    public static async Task<int> RunTicketingAsync(IConfiguration configuration, bool json, TextWriter output, TextWriter errors, CancellationToken ct)
    {
        var (settings, problems) = DemoSettings.Load(configuration);
        if (settings is null)
        {
            foreach (var problem in problems) await errors.WriteLineAsync($"mreg demo ticketing: {problem}");
            return ExitSettings;
        }
        var rabbit = settings.RabbitMq;
        var log = new DemoLog(output, json);
        // SIGINT and SIGTERM cancel, so the process stops cleanly and exits 0 rather than being ended with 130 or 143.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        ct = stop.Token;
        try
        {
            await using var broker = await DemoBroker.ConnectAsync(settings.Ticketing, TicketingActor.Name, ct);
            await using (await TicketingActor.StartStandingAsync(broker, log, settings, ct))
            {
                log.Line(TicketingActor.Name, $"deciding the approval requests in {TicketingActor.Queue} as integration {DemoSettings.Integration}, " +
                    "a development stand-in for the approvers; Ctrl-C stops");
                // Ctrl-C or SIGTERM is the way it stops. Yielding: the signal handler that cancels must not run the shutdown itself.
                await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ForceYielding);
            }
            log.Line(TicketingActor.Name, "stopped");
            return 0;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return 0; // stopped while connecting
        }
        catch (DemoFailure e)
        {
            await errors.WriteLineAsync($"mreg demo ticketing: failed: {e.Message}");
            return ExitFailed;
        }
        catch (Exception e) when (CliBroker.IsBrokerFailure(e))
        {
            await errors.WriteLineAsync($"mreg demo ticketing: {Preflight.DescribeBrokerFailure(rabbit, e)}");
            return CliDatabase.ExitUnavailable;
        }

        void Stop(PosixSignalContext signal)
        {
            signal.Cancel = true;
            stop.Cancel();
        }
    }

    /// <summary>A path as short as it is clear: relative to the working directory when it lies below it (.data/incoming/...).</summary>
    private static string Shown(string path)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }

    /// <summary>Null when every queue of the workers the demo talks to has a consumer, else which one has none (after waiting up to <paramref name="wait"/>).</summary>
    private static async Task<string?> WorkersNotConsumingAsync(RabbitMqOptions rabbit, TimeSpan wait, CancellationToken ct)
    {
        var queues = ModelRegistry.Host.ModuleCatalog.All.Where(m => m is RegistrationModule or EvaluationModule or ModelRegistry.Promotion.PromotionModule)
            .SelectMany(m => m.Queues).ToList();
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            var idle = (await QueueInspector.InspectAsync(rabbit, queues, ct)).FirstOrDefault(q => q.Consumers == 0);
            if (idle is null) return null;
            if (DateTime.UtcNow >= deadline) return idle.Exists ? $"queue {idle.Queue} has no consumer" : $"queue {idle.Queue} does not exist";
            await Task.Delay(ReadinessPoll, ct);
        }
    }

    private static Option<string> Duration(string name, string description)
    {
        var option = new Option<string>(name) { Description = description, HelpName = "D" };
        option.Validators.Add(result =>
        {
            var text = result.GetValueOrDefault<string>();
            if (PromotionCommands.ParseDuration(text) is null) result.AddError($"{name} {text}: expected a duration such as 30s, 5m, 1h or 00:10:00");
        });
        return option;
    }
}
