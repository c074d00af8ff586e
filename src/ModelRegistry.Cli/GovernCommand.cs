using System.CommandLine;
using System.Text.Json;
using ModelRegistry.Contracts;
using ModelRegistry.Platform;
using ModelRegistry.Registration;
using Npgsql;

namespace ModelRegistry.Cli;

/// <summary>What <c>mreg models govern --json</c> prints: the outcome, from the event or, when it was missed, the audit log.</summary>
public sealed record GovernanceOutcome(Guid CommandId, string ModelName, string Outcome, string? OwnerTeam, string? RiskTier, string? ReasonCode,
    string Message, string Source);

// `mreg models govern`: publishes ChangeModelGovernance and waits for ModelGovernanceChanged or ModelGovernanceRejected.
public static class GovernCommand
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    private static readonly Type[] Outcomes = [typeof(ModelGovernanceChanged), typeof(ModelGovernanceRejected)];

    public static Command Build(Option<bool> json, Argument<string> name)
    {
        var owner = new Option<string>("--owner") { Description = "the new owner team", HelpName = "TEAM" };
        var tier = new Option<string>("--tier") { Description = "the new risk tier: low, medium, high or critical", HelpName = "TIER" };
        var reason = new Option<string>("--reason") { Description = "why (kept in the audit log)", HelpName = "TEXT", Required = true };
        var by = new Option<string>("--by")
        {
            Description = "who asks, as information (the audit actor is the broker user mreg connects as); default: the OS user name",
            HelpName = "WHO", DefaultValueFactory = _ => Environment.UserName,
        };
        var timeout = new Option<string>("--timeout")
        {
            Description = $"give up waiting for the answer after D (30s, 5m; default {PromotionCommands.Format(DefaultTimeout)})", HelpName = "D",
        };
        timeout.Validators.Add(r =>
        {
            if (PromotionCommands.ParseDuration(r.GetValueOrDefault<string>()) is null)
                r.AddError($"--timeout {r.GetValueOrDefault<string>()}: expected a duration such as 30s, 5m or 1h");
        });
        var govern = new Command("govern",
            "change a model's owner team or risk tier, which its first registration fixed (the governance role only; docs/security.md): publishes "
            + "ChangeModelGovernance and waits for the answer. A raised tier applies at once, also to open promotions; a lowered one to promotions "
            + "requested afterwards. Audited. Exit 0 changed, 1 bad arguments or broker refusal, 3 services unreachable, 4 refused, 5 no answer in time")
        {
            name, owner, tier, reason, by, timeout,
        };
        govern.Validators.Add(r =>
        {
            if (r.GetValue(owner) is null && r.GetValue(tier) is null) r.AddError("name --owner, --tier or both: there is nothing to change");
        });
        govern.SetAction((parse, ct) => RunAsync(CliSettings.Load(), new ChangeModelGovernance
        {
            CommandId = Guid.NewGuid(),
            ModelName = parse.GetRequiredValue(name),
            OwnerTeam = parse.GetValue(owner),
            RiskTier = parse.GetValue(tier),
            Reason = parse.GetRequiredValue(reason),
            RequestedBy = parse.GetValue(by),
        }, PromotionCommands.ParseDuration(parse.GetValue(timeout)) ?? DefaultTimeout, parse.GetValue(json), Console.Out, ct));
        return govern;
    }

    public static async Task<int> RunAsync(CliSettings settings, ChangeModelGovernance request, TimeSpan timeout, bool json, TextWriter output,
        CancellationToken ct)
    {
        try
        {
            await using var broker = await CliBroker.ConnectAsync(settings, ct);
            await broker.ListenAsync(Outcomes, ct);
            await broker.PublishAsync(request, ct);
            var outcome = await OutcomeWait.WaitAsync(broker, timeout, e => e.Message switch
                {
                    ModelGovernanceChanged c when c.CommandId == request.CommandId => new GovernanceOutcome(request.CommandId, c.ModelName, "changed",
                        c.OwnerTeam, c.RiskTier, null, $"{c.ModelName}: owner team {c.PreviousOwnerTeam} -> {c.OwnerTeam}, risk tier {c.PreviousRiskTier} -> {c.RiskTier}",
                        "event"),
                    ModelGovernanceRejected r when r.CommandId == request.CommandId => new GovernanceOutcome(request.CommandId, r.ModelName, "refused",
                        null, null, r.ReasonCode, r.Message, "event"),
                    _ => null,
                },
                _ => { },
                token => FromAuditLogAsync(settings, request, token), ct);
            outcome ??= new GovernanceOutcome(request.CommandId, request.ModelName, "timed_out", null, null, null,
                $"no answer within {PromotionCommands.Format(timeout)}; the change may still be made (`mreg models show {request.ModelName}`)", "none");
            return OutcomeWait.Report(output, json, outcome, outcome.Outcome, outcome.ReasonCode, outcome.Message);
        }
        catch (CliBrokerRefusal e)
        {
            return await PromotionCommands.FailAsync(e.Message, 1);
        }
        catch (Exception e) when (CliBroker.IsBrokerFailure(e))
        {
            return await PromotionCommands.FailAsync(Preflight.DescribeBrokerFailure(settings.RabbitMq, e), CliDatabase.ExitUnavailable);
        }
    }

    private static async Task<GovernanceOutcome?> FromAuditLogAsync(CliSettings settings, ChangeModelGovernance request, CancellationToken ct)
    {
        try
        {
            await using var dataSource = settings.CreateDataSource();
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            if (await GovernanceQueries.FindOutcomeAsync(connection, request.ModelName, request.CommandId, ct) is not { } record) return null;
            using var details = JsonDocument.Parse(record.DetailsJson);
            var root = details.RootElement;
            string? Text(JsonElement e, string field) => e.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return record.Action == "model.governance_changed"
                ? new GovernanceOutcome(request.CommandId, request.ModelName, "changed", Text(root.GetProperty("to"), "ownerTeam"),
                    Text(root.GetProperty("to"), "riskTier"), null, $"{request.ModelName}: changed (from the audit log)", "database")
                : new GovernanceOutcome(request.CommandId, request.ModelName, "refused", null, null, Text(root, "reasonCode"),
                    Text(root, "reason") ?? "", "database");
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException or System.Net.Sockets.SocketException
                                       or JsonException or KeyNotFoundException)
        {
            return null;
        }
    }
}
