using System.CommandLine;
using ModelRegistry.Contracts.Promotion;

namespace ModelRegistry.Cli;

/// <summary>The command-line shape of <c>mreg promote</c>, <c>promotions</c>, <c>approvals</c>, <c>cancel</c> and <c>rollback</c>.</summary>
public static class PromotionCommandLine
{
    private static string ExitCodes(string ok, string refused) =>
        $"Exit codes: 0 {ok}, 1 not found or not sent (no registry has run on this vhost), 2 bad arguments, 3 broker or database unreachable, {PromotionCommands.ExitRefused} {refused}, {PromotionCommands.ExitTimedOut} --wait timed out.";

    public static IEnumerable<Command> Build(Option<bool> json) => [Promote(json), Promotions(json), Approvals(json), Cancel(json), Rollback(json)];

    private static Command Promote(Option<bool> json)
    {
        var name = new Argument<string>("NAME") { Description = "the model's name" };
        var version = new Argument<int>("VERSION") { Description = "the version number" };
        var to = new Option<string>("--to")
        {
            Description = $"the stage to promote to: {string.Join(", ", PromotionCommands.TargetStages)}", HelpName = "STAGE", Required = true,
        };
        to.AcceptOnlyFromAmong([.. PromotionCommands.TargetStages]);
        var reason = Reason("why, for the approvers and the audit log");
        reason.Required = true;
        var ticket = new Option<string>("--ticket") { Description = "the change ticket this promotion belongs to", HelpName = "T" };
        var by = By("who asks (never an approver of their own request)");
        var (wait, timeout) = Wait("the promotion's outcome");
        var promote = new Command("promote",
            "request a promotion: checks that the version exists (exit 1 and nothing sent when not), publishes RequestPromotion and prints its id. With --wait, waits for the outcome and exits 0 only when "
            + "promoted, so a pipeline can make promotion a step before it deploys. "
            + ExitCodes("requested (promoted with --wait)", "rejected, expired or cancelled"))
        {
            name, version, to, reason, ticket, by, wait, timeout,
        };
        RequireWait(promote, wait, timeout);
        promote.SetAction((parse, ct) => PromotionCommands.PromoteAsync(CliSettings.Load(), new RequestPromotion
        {
            PromotionId = Guid.NewGuid(),
            ModelName = parse.GetRequiredValue(name),
            Version = parse.GetValue(version),
            TargetStage = parse.GetRequiredValue(to),
            RequestedBy = parse.GetRequiredValue(by),
            Reason = parse.GetRequiredValue(reason),
            ChangeTicket = parse.GetValue(ticket),
        }, WaitFor(parse, wait, timeout), parse.GetValue(json), Console.Out, ct));
        return promote;
    }

    private static Command Promotions(Option<bool> json)
    {
        var model = new Option<string>("--model") { Description = "only promotions of this model", HelpName = "NAME" };
        var state = new Option<string>("--state")
        {
            Description = $"only promotions in this state: open (still waiting) or one of {string.Join(", ", PromotionsCommand.States)}",
            HelpName = "S",
        };
        state.Validators.Add(result =>
        {
            if (PromotionsCommand.ParseState(result.GetValueOrDefault<string>()) is null)
                result.AddError($"--state: expected open or one of {string.Join(", ", PromotionsCommand.States)}");
        });
        var limit = new Option<int>("--limit")
        {
            Description = $"show at most the N most recent (default {PromotionsCommand.DefaultListLimit})",
            HelpName = "N",
            DefaultValueFactory = _ => PromotionsCommand.DefaultListLimit,
        };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1) result.AddError("--limit must be at least 1");
        });
        var list = new Command("list", "promotions, newest first: id, state, model/version, stages, requester, time, outcome") { model, state, limit };
        list.SetAction((parse, ct) => PromotionsCommand.ListAsync(CliSettings.Load(), parse.GetValue(model), parse.GetValue(state),
            parse.GetValue(limit), parse.GetValue(json), Console.Out, ct));

        var id = PromotionId();
        var show = new Command("show",
            "one promotion: state, model/version, from and target stage, requester, reason, ticket, deadlines, required roles and distinct "
            + "approvers, what is still needed, approval requests sent, counted votes, refused votes (reason code), outcome; exits 1 when unknown")
        {
            id,
        };
        show.SetAction((parse, ct) => PromotionsCommand.ShowAsync(CliSettings.Load(), parse.GetRequiredValue(id), parse.GetValue(json), Console.Out, ct));
        return new Command("promotions", "promotion requests and how they ended") { list, show };
    }

    private static Command Approvals(Option<bool> json)
    {
        var id = PromotionId();
        var by = By("who asks (recorded in the audit log as approval.resent)");
        var resend = new Command("resend",
            "publish a promotion's ApprovalRequested again (same deadline, evidence read again), for a ticketing integration that lost it "
            + "or was set up after it: publishes ResendApprovalRequest, and the promotion worker sends the request to every integration's "
            + "queue. Exits 1 when there is no such promotion or it is not waiting for approval")
        {
            id, by,
        };
        resend.SetAction((parse, ct) => ApprovalsCommand.ResendAsync(CliSettings.Load(), parse.GetRequiredValue(id), parse.GetRequiredValue(by),
            parse.GetValue(json), Console.Out, ct));
        return new Command("approvals", "the approval requests of promotions (docs/ticketing.md)") { resend };
    }

    private static Command Cancel(Option<bool> json)
    {
        var id = PromotionId();
        var reason = Reason("why");
        var by = By("who cancels");
        var cancel = new Command("cancel",
            "cancel an open promotion: publishes CancelPromotion. Exits 1 when there is no such promotion or it is already over")
        {
            id, reason, by,
        };
        cancel.SetAction((parse, ct) => PromotionCommands.CancelAsync(CliSettings.Load(), parse.GetRequiredValue(id), parse.GetValue(reason),
            parse.GetRequiredValue(by), parse.GetValue(json), Console.Out, ct));
        return cancel;
    }

    private static Command Rollback(Option<bool> json)
    {
        var name = new Argument<string>("NAME") { Description = "the model's name" };
        var incident = new Option<string>("--incident") { Description = "the incident that calls for the rollback", HelpName = "ID", Required = true };
        var reason = Reason("why");
        reason.Required = true;
        var by = By("who asks");
        var from = new Option<int?>("--from")
        {
            Description = "the production version rolled back from; default: production now (refused stale_rollback if it changed before the rollback arrives)",
            HelpName = "VERSION",
        };
        from.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1) result.AddError("--from: a version number is 1 or more");
        });
        var (wait, timeout) = Wait("the rollback's outcome");
        var rollback = new Command("rollback",
            "break-glass: make the previous production version production again at once (publishes RequestRollback; prints its id). "
            + "Exit 1 and nothing sent when there is no such model or nothing to roll back to. "
            + ExitCodes("requested (rolled back with --wait)", "rejected"))
        {
            name, incident, reason, by, from, wait, timeout,
        };
        RequireWait(rollback, wait, timeout);
        rollback.SetAction((parse, ct) => PromotionCommands.RollbackAsync(CliSettings.Load(), new RequestRollback
        {
            RollbackId = Guid.NewGuid(),
            ModelName = parse.GetRequiredValue(name),
            IncidentId = parse.GetRequiredValue(incident),
            FromVersion = parse.GetValue(from) ?? 0,
            RequestedBy = parse.GetRequiredValue(by),
            Reason = parse.GetRequiredValue(reason),
        }, WaitFor(parse, wait, timeout), parse.GetValue(json), Console.Out, ct));
        return rollback;
    }

    private static Argument<string> PromotionId()
    {
        var id = new Argument<string>("ID") { Description = "the promotion id (a UUID)" };
        id.Validators.Add(result =>
        {
            if (!Guid.TryParse(result.GetValueOrDefault<string>(), out _)) result.AddError($"'{result.GetValueOrDefault<string>()}' is not a promotion id (a UUID)");
        });
        return id;
    }

    private static Option<string> Reason(string description) => new("--reason") { Description = description, HelpName = "TEXT" };

    private static Option<string> By(string description) => new("--by")
    {
        Description = $"{description}; default: the OS user name",
        HelpName = "WHO",
        DefaultValueFactory = _ => Environment.UserName,
    };

    private static (Option<bool> Wait, Option<string> Timeout) Wait(string what)
    {
        var wait = new Option<bool>("--wait") { Description = $"wait for {what}; the exit code tells it" };
        var timeout = new Option<string>("--timeout")
        {
            Description = $"with --wait: give up after D (30s, 5m, 1h, 00:10:00; default {PromotionCommands.Format(PromotionCommands.DefaultTimeout)})",
            HelpName = "D",
        };
        timeout.Validators.Add(result =>
        {
            var text = result.GetValueOrDefault<string>();
            if (PromotionCommands.ParseDuration(text) is null) result.AddError($"--timeout {text}: expected a duration such as 30s, 5m, 1h or 00:10:00");
        });
        return (wait, timeout);
    }

    private static void RequireWait(Command command, Option<bool> wait, Option<string> timeout) =>
        command.Validators.Add(result =>
        {
            if (result.GetResult(timeout) is not null && !result.GetValue(wait)) result.AddError("--timeout only applies with --wait");
        });

    private static TimeSpan? WaitFor(ParseResult parse, Option<bool> wait, Option<string> timeout)
    {
        if (!parse.GetValue(wait)) return null;
        return PromotionCommands.ParseDuration(parse.GetValue(timeout)) ?? PromotionCommands.DefaultTimeout;
    }
}
