using System.CommandLine;

namespace ModelRegistry.Cli;

/// <summary>The options every command that publishes and waits for an answer shares (<c>--by</c>, <c>--timeout</c>) and its exit codes.</summary>
internal static class CommandOptions
{
    public static string ExitCodes(string ok) =>
        $"Exit codes: 0 {ok}, 1 not sent (no registry has run on this vhost), 2 bad arguments, 3 broker or database unreachable, "
        + $"{PromotionCommands.ExitRefused} refused (the reason is printed), {PromotionCommands.ExitTimedOut} no answer within --timeout.";

    /// <summary><c>--by WHO</c>, the OS user name by default.</summary>
    public static Option<string> By(string description) => new("--by")
    {
        Description = description, HelpName = "WHO", DefaultValueFactory = _ => Environment.UserName,
    };

    /// <summary><c>--timeout D</c> (30s, 5m, 00:01:00), checked when parsed.</summary>
    public static Option<string> Timeout(TimeSpan defaultTimeout, string waitingFor = "the answer")
    {
        var timeout = new Option<string>("--timeout")
        {
            Description = $"give up waiting for {waitingFor} after D (30s, 5m; default {PromotionCommands.Format(defaultTimeout)})", HelpName = "D",
        };
        timeout.Validators.Add(r =>
        {
            if (PromotionCommands.ParseDuration(r.GetValueOrDefault<string>()) is null)
                r.AddError($"--timeout {r.GetValueOrDefault<string>()}: expected a duration such as 30s, 5m or 00:01:00");
        });
        return timeout;
    }

    public static TimeSpan TimeoutOf(ParseResult parse, Option<string> timeout, TimeSpan defaultTimeout) =>
        PromotionCommands.ParseDuration(parse.GetValue(timeout)) ?? defaultTimeout;
}
