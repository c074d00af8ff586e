using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ModelRegistry.Platform;

namespace ModelRegistry.Cli;

/// <summary>A rejection as <c>mreg rejections list --json</c> shows it: the kept body as a JSON value.</summary>
public sealed record RejectionItem(long RejectionId, DateTime RejectedAt, string Kind, Guid? MessageId, string Subject, string ReasonCode,
    string Reason, JsonElement Payload);

/// <summary><c>mreg rejections list</c>: the refused messages the registry keeps, with their reasons.</summary>
public static class RejectionsCommand
{
    public const int DefaultListLimit = 20;

    public static Command Build(Option<bool> json)
    {
        var kind = new Option<string>("--kind")
        {
            Description = $"only rejections of this kind: {string.Join(", ", RejectionQueries.Kinds)}", HelpName = "KIND",
        };
        kind.AcceptOnlyFromAmong([.. RejectionQueries.Kinds]);
        var limit = new Option<int>("--limit")
        {
            Description = $"show at most the N most recent (default {DefaultListLimit})", HelpName = "N", DefaultValueFactory = _ => DefaultListLimit,
        };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1) result.AddError("--limit must be at least 1");
        });
        var list = new Command("list",
            "refused messages, newest first: time, kind, reason code, subject (model, evaluated version, promotion or rollback), reason; --json adds the kept body")
        {
            kind, limit,
        };
        list.SetAction((parse, ct) => ListAsync(CliSettings.Load(), parse.GetValue(kind), parse.GetValue(limit), parse.GetValue(json), Console.Out, ct));
        return new Command("rejections",
            "messages the registry refused and keeps (registry.rejections): registrations and evaluations that broke a rule, and bodies over the size limit")
        {
            list,
        };
    }

    public static Task<int> ListAsync(CliSettings settings, string? kind, int limit, bool json, TextWriter output, CancellationToken ct) =>
        CliDatabase.ReadAsync(settings, async connection =>
        {
            var rows = await RejectionQueries.ListAsync(connection, kind, limit, ct);
            if (json)
            {
                CliJson.Write(output, rows.Select(r => new RejectionItem(r.RejectionId, r.RejectedAt, r.Kind, r.MessageId, r.Subject, r.ReasonCode,
                    r.Reason, JsonSerializer.Deserialize<JsonElement>(r.Payload))).ToList());
                return 0;
            }
            if (rows.Count == 0)
            {
                output.WriteLine($"no {(kind is null ? "" : kind + " ")}rejections");
                return 0;
            }
            output.WriteLine($"{"rejected at (UTC)",-26}  {"kind",-12} {"reason code",-21} {"subject",-36} reason");
            foreach (var r in rows)
            {
                output.WriteLine($"{r.RejectedAt.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture),-26}  {r.Kind,-12} " +
                    $"{r.ReasonCode,-21} {r.Subject,-36} {r.Reason.ReplaceLineEndings(" ")}");
            }
            return 0;
        }, ct);
}
