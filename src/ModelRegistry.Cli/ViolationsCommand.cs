using System.CommandLine;
using System.Globalization;
using ModelRegistry.Deployments;

namespace ModelRegistry.Cli;

/// <summary><c>mreg violations list</c>: the policy violations the deployments worker raised (registry.policy_violations).</summary>
public static class ViolationsCommand
{
    public const int DefaultListLimit = 20;

    public static Command Build(Option<bool> json)
    {
        var kind = new Option<string>("--kind")
        {
            Description = $"only violations of this kind: {string.Join(", ", ViolationQueries.Kinds)}", HelpName = "KIND",
        };
        kind.AcceptOnlyFromAmong([.. ViolationQueries.Kinds]);
        var limit = new Option<int>("--limit")
        {
            Description = $"show at most the N most recent (default {DefaultListLimit})", HelpName = "N", DefaultValueFactory = _ => DefaultListLimit,
        };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1) result.AddError("--limit must be at least 1");
        });
        var list = new Command("list",
            "policy violations, newest first: time, kind, endpoint, model version or digest, instruction, message")
        {
            kind, limit,
        };
        list.SetAction((parse, ct) => ListAsync(CliSettings.Load(), parse.GetValue(kind), parse.GetValue(limit), parse.GetValue(json), Console.Out, ct));
        return new Command("violations",
            "what serves against the deployment policy, and deploy instructions no deployment acknowledged in time (registry.policy_violations)")
        {
            list,
        };
    }

    public static Task<int> ListAsync(CliSettings settings, string? kind, int limit, bool json, TextWriter output, CancellationToken ct) =>
        CliDatabase.ReadAsync(settings, async connection =>
        {
            var rows = await ViolationQueries.ListAsync(connection, kind, limit, ct);
            if (json)
            {
                CliJson.Write(output, rows);
                return 0;
            }
            if (rows.Count == 0)
            {
                output.WriteLine($"no {(kind is null ? "" : kind + " ")}violations");
                return 0;
            }
            output.WriteLine($"{"detected at (UTC)",-20}  {"kind",-23} {"endpoint",-28} {"subject",-36} message");
            foreach (var v in rows) output.WriteLine($"{ModelsCommand.Time(v.DetectedAt),-20}  {v.Kind,-23} {v.EndpointId ?? "-",-28} {Subject(v),-36} {v.Message}");
            return 0;
        }, ct);

    /// <summary>What the violation is about: the model version, else the digest, else the instruction.</summary>
    internal static string Subject(PolicyViolationView v) =>
        v.ModelName is not null && v.Version is not null ? $"{v.ModelName}/{v.Version.Value.ToString(CultureInfo.InvariantCulture)}"
        : v.ManifestDigest ?? (v.InstructionId is { } id ? id.ToString("D") : "-");
}
