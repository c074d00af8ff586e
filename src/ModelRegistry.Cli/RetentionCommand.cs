using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using ModelRegistry.Contracts.Retention;
using ModelRegistry.Platform;
using ModelRegistry.Retention;
using ModelRegistry.Retention.Rules;

namespace ModelRegistry.Cli;

/// <summary>
/// <c>mreg retention plan | run | show</c>: what a retention sweep would do (a dry run over the live registry with the
/// configured policy), running one now, and what a sweep did (docs/retention.md).
/// </summary>
public static class RetentionCommand
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    public static Command Build(Option<bool> json)
    {
        var all = new Option<bool>("--all") { Description = "also list every version kept, with the reason (default: the counts by reason)" };
        var plan = new Command("plan",
            "dry run: what a sweep would archive and delete now, by which rule and how many bytes each frees, and what it keeps by which keep rule. "
            + "Reads the registry and the policy (Retention__PolicyFile, else the built-in one) and changes nothing")
        {
            all,
        };
        plan.SetAction((parse, ct) => PlanAsync(CliSettings.Load(), LoadPolicy(), parse.GetValue(all), parse.GetValue(json), DateTimeOffset.UtcNow, Console.Out, ct));

        var noWait = new Option<bool>("--no-wait") { Description = "publish and return without waiting for the sweep's actions" };
        var timeout = CommandOptions.Timeout(DefaultTimeout, "the sweep to finish");
        var by = new Option<string>("--by") { Description = "who asks (information; the registry records your broker user)", HelpName = "WHO" };
        var run = new Command("run",
            "run a sweep now: publishes RunRetentionSweep (needs the retention role) and waits until each planned action is done or skipped, "
            + "with progress on a terminal. Exit codes: 0 done, 1 not sent, 2 bad arguments, 3 broker or database unreachable, "
            + $"{PromotionCommands.ExitRefused} refused, {PromotionCommands.ExitTimedOut} not finished within --timeout")
        {
            noWait, timeout, by,
        };
        run.SetAction((parse, ct) => RunAsync(CliSettings.Load(), Guid.NewGuid(), parse.GetValue(by) ?? Environment.UserName, !parse.GetValue(noWait),
            CommandOptions.TimeoutOf(parse, timeout, DefaultTimeout), parse.GetValue(json), Console.Out, ct));

        var sweep = new Argument<Guid>("SWEEP_ID") { Description = "the sweep (as `mreg retention run` printed it)" };
        var show = new Command("show", "a sweep's actions: model, version, action, rule, bytes, status (done, skipped with the keep rule, planned)") { sweep };
        show.SetAction((parse, ct) => ShowAsync(CliSettings.Load(), parse.GetValue(sweep), parse.GetValue(json), Console.Out, ct));

        return new Command("retention", "archive and delete experimental artifacts by the retention policy; keep rules always win (docs/retention.md)")
        {
            plan, run, show,
        };
    }

    /// <summary>The policy the host would use, from Retention__PolicyFile or built in; a bad one ends mreg with exit 2.</summary>
    public static RetentionPolicy LoadPolicy()
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var settings = new SettingsBinder(configuration);
        var options = settings.Bind<RetentionOptions>(RetentionOptions.Section);
        var (policy, _, errors) = RetentionPolicyFile.Load(options.PolicyFile);
        foreach (var problem in settings.Errors.Concat(errors)) Console.Error.WriteLine($"mreg: {problem}");
        if (policy is null || settings.Errors.Count > 0) Environment.Exit(2);
        return policy!;
    }

    public static Task<int> PlanAsync(CliSettings settings, RetentionPolicy policy, bool all, bool json, DateTimeOffset now, TextWriter output,
        CancellationToken ct) =>
        CliDatabase.ReadAsync(settings, async connection =>
        {
            await using var dataSource = settings.CreateDataSource();
            var facts = await RetentionFactsQuery.AllAsync(dataSource, ct);
            var plan = RetentionPlanner.Plan(facts, policy, now);
            if (json)
            {
                CliJson.Write(output, new
                {
                    plannedAt = now, versions = facts.Count, archive = plan.Archive, delete = plan.Delete, bytesToArchive = plan.BytesToArchive,
                    bytesToDelete = plan.BytesToDelete, kept = plan.KeptCounts(), keptVersions = all ? plan.Kept : null,
                });
                return 0;
            }
            output.WriteLine($"dry run over {facts.Count} versions at {now.UtcDateTime:u}: archive {plan.Archive.Count} ({Bytes(plan.BytesToArchive)}), "
                + $"delete {plan.Delete.Count} ({Bytes(plan.BytesToDelete)}), keep {plan.Kept.Count}");
            if (plan.Archive.Count + plan.Delete.Count > 0)
            {
                output.WriteLine($"{"action",-8} {"model",-40} {"version",7} {"rule",-20} {"bytes freed",14}");
                foreach (var a in plan.Archive.Concat(plan.Delete))
                    output.WriteLine($"{a.Action,-8} {a.ModelName,-40} {a.Version,7} {a.Rule,-20} {a.Bytes,14}");
            }
            output.WriteLine("kept: " + (plan.Kept.Count == 0 ? "none"
                : string.Join(", ", plan.KeptCounts().OrderByDescending(k => k.Value).ThenBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {k.Value}"))));
            if (all)
                foreach (var k in plan.Kept)
                    output.WriteLine($"{"keep",-8} {k.ModelName,-40} {k.Version,7} {k.Reason}");
            return 0;
        }, ct);

    public static async Task<int> RunAsync(CliSettings settings, Guid sweepId, string requestedBy, bool wait, TimeSpan timeout, bool json, TextWriter output,
        CancellationToken ct)
    {
        try
        {
            await using (var broker = await CliBroker.ConnectAsync(settings, ct))
                await broker.PublishAsync(new RunRetentionSweep { SweepId = sweepId, RequestedBy = requestedBy }, ct);
        }
        catch (CliBrokerRefusal e)
        {
            return await PromotionCommands.FailAsync(e.Message, 1);
        }
        catch (Exception e) when (CliBroker.IsBrokerFailure(e))
        {
            return await PromotionCommands.FailAsync(Preflight.DescribeBrokerFailure(settings.RabbitMq, e), CliDatabase.ExitUnavailable);
        }
        if (!json) output.WriteLine($"sweep {sweepId} requested");
        if (!wait)
        {
            if (json) CliJson.Write(output, new { sweepId, outcome = "requested" });
            return 0;
        }
        return await CliDatabase.ReadAsync(settings, connection => WaitAsync(connection, sweepId, timeout, json, output, ct), ct);
    }

    // Polls the sweep's rows until every action is done or skipped (or the deadline): the actions are the database's.
    private static async Task<int> WaitAsync(Npgsql.NpgsqlConnection connection, Guid sweepId, TimeSpan timeout, bool json, TextWriter output,
        CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        var terminal = !json && !Console.IsOutputRedirected && ReferenceEquals(output, Console.Out);
        SweepStatus? status = null;
        while (DateTime.UtcNow < deadline)
        {
            status = await RetentionQueries.SweepAsync(connection, sweepId, ct);
            if (status is { Planned: false })
                return OutcomeWait.Report(output, json, new { sweepId, outcome = "refused", reasonCode = status.RefusalCode, message = status.RefusalMessage },
                    "refused", status.RefusalCode, status.RefusalMessage ?? "");
            if (status is { Pending: 0 }) break;
            if (terminal && status is not null)
                output.Write($"\r{status.Done + status.Skipped}/{status.Archive + status.Delete} actions ({status.Done} done, {status.Skipped} skipped)   ");
            await Task.Delay(PollInterval, ct);
        }
        if (terminal) output.WriteLine();
        if (status is not { Planned: true, Pending: 0 })
            return OutcomeWait.Report(output, json, new { sweepId, outcome = "timed_out", status },
                "timed_out", null, $"sweep {sweepId} not finished within {PromotionCommands.Format(timeout)}; it goes on (`mreg retention show {sweepId}`)");
        if (json)
        {
            CliJson.Write(output, new { sweepId, outcome = "done", status, actions = await RetentionQueries.ActionsAsync(connection, sweepId, ct) });
            return 0;
        }
        output.WriteLine($"done: {status.Archive} archive and {status.Delete} delete actions, {status.Done} carried out, {status.Skipped} skipped "
            + $"(`mreg retention show {sweepId}`)");
        return 0;
    }

    public static Task<int> ShowAsync(CliSettings settings, Guid sweepId, bool json, TextWriter output, CancellationToken ct) =>
        CliDatabase.ReadAsync(settings, async connection =>
        {
            var status = await RetentionQueries.SweepAsync(connection, sweepId, ct);
            if (status is null) return await PromotionCommands.FailAsync($"no sweep {sweepId}", 1);
            var actions = await RetentionQueries.ActionsAsync(connection, sweepId, ct);
            if (json)
            {
                CliJson.Write(output, new { sweepId, status, actions });
                return 0;
            }
            output.WriteLine(status.Planned
                ? $"sweep {sweepId}: {status.Archive} archive, {status.Delete} delete; {status.Done} done, {status.Skipped} skipped, {status.Pending} pending"
                : $"sweep {sweepId}: refused: {status.RefusalCode}: {status.RefusalMessage}");
            foreach (var a in actions)
                output.WriteLine($"{a.Action,-8} {a.ModelName,-40} {a.Version,7} {a.Rule,-20} {a.Bytes,14} {a.Status}{(a.KeptBy is null ? "" : " (" + a.KeptBy + ")")}");
            return 0;
        }, ct);

    /// <summary>Bytes for people: 1.5 GB (decimal units, as the cost report's GB).</summary>
    public static string Bytes(long bytes) => bytes switch
    {
        >= 1_000_000_000_000 => (bytes / 1e12).ToString("0.##", CultureInfo.InvariantCulture) + " TB",
        >= 1_000_000_000 => (bytes / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + " GB",
        >= 1_000_000 => (bytes / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + " MB",
        >= 1_000 => (bytes / 1e3).ToString("0.##", CultureInfo.InvariantCulture) + " kB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };
}
