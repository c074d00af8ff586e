using System.Text.Json;
using ModelRegistry.Deployments;
using ModelRegistry.Promotion;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Cli;

/// <summary><c>mreg promotions list</c> and <c>mreg promotions show</c>: read-only views of <c>registry.promotions</c>.</summary>
public static class PromotionsCommand
{
    public const int DefaultListLimit = 50;

    /// <summary>The promotion saga's states; <c>open</c> on the command line means either of the first two.</summary>
    public static IReadOnlyList<string> States => PromotionQueries.States;

    /// <summary>The states <c>--state</c> stands for (any case; <c>open</c>: still waiting); null when it names none.</summary>
    public static IReadOnlyList<string>? ParseState(string? text)
    {
        if (text is null) return [];
        if (string.Equals(text, "open", StringComparison.OrdinalIgnoreCase)) return PromotionQueries.OpenStates;
        var state = States.FirstOrDefault(s => string.Equals(s, text, StringComparison.OrdinalIgnoreCase));
        return state is null ? null : [state];
    }

    public static bool IsOpen(string state) => PromotionQueries.IsOpen(state);

    public static async Task<int> ListAsync(CliSettings settings, string? model, string? state, int limit, bool json, TextWriter output,
        CancellationToken ct)
    {
        if (ParseState(state) is not { } states)
        {
            await Console.Error.WriteLineAsync($"mreg: --state {state}: expected open or one of {string.Join(", ", States)}");
            return 2;
        }
        return await CliDatabase.ReadAsync(settings, async connection =>
        {
            var promotions = await PromotionQueries.ListAsync(connection, model, states, limit, ct);
            if (json) CliJson.Write(output, promotions);
            else PrintList(promotions, output);
            return 0;
        }, ct);
    }

    public static async Task<int> ShowAsync(CliSettings settings, string id, bool json, TextWriter output, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var promotionId))
        {
            await Console.Error.WriteLineAsync($"mreg: '{id}' is not a promotion id (a UUID, as `mreg promote` printed it)");
            return 2;
        }
        return await CliDatabase.ReadAsync(settings, async connection =>
        {
            if (await FindAsync(connection, promotionId, ct) is not { } detail)
                return await CliDatabase.NotFoundAsync($"no promotion {promotionId} (see `mreg promotions list`)");
            // The deployments worker's side: the deploy instruction this promotion issued and its acknowledgement.
            var deploy = await AcknowledgementQueries.FindAsync(connection, promotionId, DateTimeOffset.UtcNow, ct);
            if (json) WriteJson(output, detail, deploy);
            else PrintDetail(detail, deploy, output);
            return 0;
        }, ct);
    }

    internal static Task<PromotionDetail?> FindAsync(Npgsql.NpgsqlConnection connection, Guid promotionId, CancellationToken ct) =>
        PromotionQueries.FindAsync(connection, promotionId, ct);

    private static string Time(DateTime? t) => t is { } value ? ModelsCommand.Time(value) : "-";

    private static void PrintList(IReadOnlyList<PromotionSummary> promotions, TextWriter o)
    {
        if (promotions.Count == 0)
        {
            o.WriteLine("no promotions match");
            return;
        }
        o.WriteLine($"{"promotion",-36}  {"state",-19} {"model/version",-28} {"stage",-24} {"requested by",-16} {"requested",-20} outcome");
        foreach (var p in promotions)
        {
            var stage = $"{p.FromStage ?? "?"} -> {p.TargetStage}";
            o.WriteLine($"{p.PromotionId,-36}  {p.State,-19} {$"{p.ModelName}/{p.Version}",-28} {stage,-24} {p.RequestedBy,-16} {Time(p.RequestedAt),-20} {p.OutcomeCode ?? "-"}");
        }
    }

    private static void WriteJson(TextWriter output, PromotionDetail detail, DeployAcknowledgementView? deploy)
    {
        var node = JsonSerializer.SerializeToNode(detail, CliJson.Options)!.AsObject();
        node["deployAcknowledgement"] = JsonSerializer.SerializeToNode(deploy, CliJson.Options);
        output.WriteLine(node.ToJsonString(CliJson.Options));
    }

    /// <summary>The deploy acknowledgement line of <c>promotions show</c>; null when the promotion issued no deploy instruction.</summary>
    internal static string? Acknowledgement(PromotionDetail p, DeployAcknowledgementView? d) => d switch
    {
        null when p.State == "Promoted" && p.TargetStage == "production" => "not recorded yet (the deployments worker has not taken the instruction)",
        null => null,
        { State: "acknowledged" } => $"{Time(d.AcknowledgedAt)} by deployment {d.AcknowledgedBy} on endpoint {d.AcknowledgedEndpoint}"
            + (d.ViolationRaisedAt is { } late ? $" (late: deploy_not_acknowledged was raised {Time(late)})" : ""),
        { State: "pending" } => $"not yet (due {Time(d.DueAt)})",
        { State: "overdue" } => $"not yet (due {Time(d.DueAt)}; overdue, the next discovery audit raises deploy_not_acknowledged)",
        _ => $"NOT ACKNOWLEDGED (violation raised {Time(d.ViolationRaisedAt)}, due {Time(d.DueAt)})",
    };

    private static void PrintDetail(PromotionDetail p, DeployAcknowledgementView? deploy, TextWriter o)
    {
        o.WriteLine($"promotion            {p.PromotionId}");
        o.WriteLine($"state                {p.State}{(p.Open ? " (open)" : "")}");
        o.WriteLine($"model version        {p.ModelName}/{p.Version}{(p.ModelVersionId is { } id ? $"  ({id})" : "")}");
        o.WriteLine($"stage                {p.FromStage ?? "?"} -> {p.TargetStage}");
        o.WriteLine($"risk tier            {p.RiskTier ?? "-"}");
        // The principal the broker vouched for; what the body said is shown beside it when it differs.
        o.WriteLine($"requested by         {p.RequestedBy}{(p.ClaimedBy is { } claimed && claimed != p.RequestedBy ? $"  (the request says: {claimed})" : "")}");
        o.WriteLine($"requested            {Time(p.RequestedAt)}");
        o.WriteLine($"reason               {p.Reason}");
        o.WriteLine($"change ticket        {p.ChangeTicket ?? "-"}");
        o.WriteLine($"evaluation deadline  {Time(p.EvaluationDeadline)}");
        o.WriteLine($"approval deadline    {Time(p.ApprovalDeadline)}");
        o.WriteLine($"outcome              {(p.OutcomeCode is null ? "- (open)" : $"{p.OutcomeCode}: {p.OutcomeMessage}")}");
        o.WriteLine($"finished             {Time(p.FinishedAt)}");
        if (Acknowledgement(p, deploy) is { } acknowledged) o.WriteLine($"deploy acknowledged  {acknowledged}");
        o.WriteLine(p.DistinctApprovers is { } people
            ? $"required roles       {string.Join(", ", p.RequiredRoles)} ({people} different approver{(people == 1 ? "" : "s")})"
            : $"required roles       - ({(p.State == "AwaitingEvaluations" ? "known once approval is requested" : "no approval was requested")})");
        if (p.StillNeeded is { } needed) o.WriteLine($"still needed         {needed}");
        foreach (var sent in p.ApprovalRequests)
            o.WriteLine($"{(sent.Resent ? "approval resent" : "approval requested"),-21}{Time(sent.At)}{(sent.Resent ? $" by {sent.By}" : "")}");
        o.WriteLine();
        o.WriteLine($"votes ({p.Votes.Count})");
        foreach (var v in p.Votes)
        {
            o.WriteLine($"  {v.Approver} as {v.Role}: {(v.Approved ? "approved" : "rejected")}  {v.DecidedAt.UtcDateTime:u}  {v.Integration} {v.TicketId}");
            if (v.Comment.Length > 0) o.WriteLine($"    {v.Comment.ReplaceLineEndings(" ")}");
        }
        if (p.RefusedVoteCount == 0) return;
        o.WriteLine();
        o.WriteLine($"refused votes ({p.RefusedVoteCount}), not counted{(p.RefusedVoteCount > p.RefusedVotes.Count ? $"; the latest {p.RefusedVotes.Count}" : "")}");
        foreach (var r in p.RefusedVotes)
        {
            o.WriteLine($"  {r.Approver} as {r.Role}: {r.ReasonCode}  {Time(r.RefusedAt)}  {r.Integration} {r.TicketId}");
            o.WriteLine($"    {r.Message.ReplaceLineEndings(" ")}");
        }
    }
}

