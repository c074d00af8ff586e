using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ModelRegistry.Platform.Audit;

namespace ModelRegistry.Cli;

/// <summary>A record as <c>mreg audit list --json</c> shows it: the details as a JSON object, for reading.</summary>
public sealed record AuditListItem(long Sequence, DateTimeOffset RecordedAt, string Actor, string Action, string SubjectType, string Subject,
    string? ModelName, JsonElement Details, string PreviousHash, string Hash);

/// <summary>
/// The outcome of <c>mreg audit verify</c>: the chain's faults (every one, the first also as <c>FirstBadSequence</c>,
/// <c>Fault</c>, <c>Reason</c>), and what each checkpoint given says.
/// </summary>
public sealed record AuditVerifyResult(bool Ok, long Verified, long Read, long LastSequence, string LastHash, long? FirstBadSequence, string? Fault,
    string? Reason, long FaultCount, IReadOnlyList<AuditVerifyFault> Faults, AuditVerifyCheckpoints? Checkpoints, double ElapsedSeconds,
    double RecordsPerSecond);

/// <summary>One fault of the chain (<c>Sequence</c>: the record) or of a checkpoint (<c>Origin</c>: where it was read).</summary>
public sealed record AuditVerifyFault(long? Sequence, string Fault, string Reason, string? Origin = null);

/// <summary>The checkpoints <c>mreg audit verify</c> checked: how many, how many vouch for the log, and the faults of the others.</summary>
public sealed record AuditVerifyCheckpoints(int Checked, int Ok, long? LastCheckpointedSequence, IReadOnlyList<AuditVerifyFault> Faults);

/// <summary>
/// One line of <c>mreg audit export</c>: the record exactly as hashed, so that anyone can re-verify it (docs/audit.md).
/// <c>RecordedAt</c> is the canonical timestamp text and <c>Details</c> the canonical details JSON, both as strings.
/// </summary>
public sealed record AuditExportLine(long Sequence, string RecordedAt, string Actor, string Action, string SubjectType, string Subject,
    string? ModelName, string Details, string PreviousHash, string Hash);

/// <summary><c>mreg audit list</c>, <c>mreg audit verify</c> and <c>mreg audit export</c>.</summary>
public static class AuditCommand
{
    private static readonly JsonSerializerOptions ExportOptions = new(CliJson.Options) { WriteIndented = false };

    public static Command Build(Option<bool> json)
    {
        var model = new Option<string>("--model") { Description = "only records about this model", HelpName = "NAME" };
        var listSince = Since();
        var limit = new Option<int>("--limit")
        {
            Description = $"show at most the last N matching records (default {AuditReader.DefaultListLimit})",
            HelpName = "N",
            DefaultValueFactory = _ => AuditReader.DefaultListLimit,
        };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1) result.AddError("--limit must be at least 1");
        });
        var list = new Command("list", "the last N audit records, oldest first: sequence, time, actor, action, subject, model, details")
        {
            model, listSince, limit,
        };
        list.SetAction((parse, ct) => ListAsync(CliSettings.Load(), parse.GetValue(model), parse.GetValue(listSince), parse.GetValue(limit),
            parse.GetValue(json), Console.Out, ct));

        var verify = AuditCheckpointCommands.Verify(json);
        var checkpoint = AuditCheckpointCommands.Checkpoint(json);

        var exportSince = Since();
        var export = new Command("export",
            "every record (recorded at or after --since) in sequence order, one JSON object per line, exactly as hashed (docs/audit.md)")
        {
            exportSince,
        };
        export.SetAction((parse, ct) => ExportAsync(CliSettings.Load(), parse.GetValue(exportSince), Console.Out, ct));

        return new Command("audit", "the immutable, hash-chained audit log, and its signed checkpoints") { list, verify, export, checkpoint };
    }

    public static Task<int> ListAsync(CliSettings settings, string? model, DateTimeOffset? since, int limit, bool json, TextWriter output,
        CancellationToken ct) =>
        CliDatabase.ReadAsync(settings, async connection =>
        {
            var entries = await AuditReader.ListAsync(connection, model, since, limit, ct);
            if (json)
            {
                CliJson.Write(output, entries.Select(e => new AuditListItem(e.Sequence, e.RecordedAt, e.Actor, e.Action, e.SubjectType, e.Subject,
                    e.ModelName, JsonSerializer.Deserialize<JsonElement>(AuditChain.CanonicalDetails(e.DetailsJson)), e.PreviousHash, e.Hash)).ToList());
                return 0;
            }
            if (entries.Count == 0)
            {
                output.WriteLine("no audit records match");
                return 0;
            }
            output.WriteLine($"{"sequence",8}  {"recorded at (UTC)",-26}  {"actor",-20} {"action",-22} {"subject",-32} {"model",-20} details");
            foreach (var e in entries)
            {
                output.WriteLine($"{e.Sequence,8}  {e.RecordedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture),-26}  " +
                    $"{e.Actor,-20} {e.Action,-22} {e.SubjectType + " " + e.Subject,-32} {e.ModelName ?? "-",-20} {AuditChain.CanonicalDetails(e.DetailsJson)}");
            }
            return 0;
        }, ct);

    /// <summary><c>mreg audit verify</c> without checkpoints: the chain alone.</summary>
    public static Task<int> VerifyAsync(CliSettings settings, bool json, TextWriter output, CancellationToken ct) =>
        AuditCheckpointCommands.VerifyAsync(settings, new AuditVerifyRequest(), json, output, ct);

    public static Task<int> ExportAsync(CliSettings settings, DateTimeOffset? since, TextWriter output, CancellationToken ct) =>
        CliDatabase.ReadAsync(settings, async connection =>
        {
            await foreach (var e in AuditReader.StreamAsync(connection, since, ct))
            {
                var line = new AuditExportLine(e.Sequence, AuditChain.FormatTimestamp(e.RecordedAt), e.Actor, e.Action, e.SubjectType, e.Subject,
                    e.ModelName, AuditChain.CanonicalDetails(e.DetailsJson), e.PreviousHash, e.Hash);
                await output.WriteLineAsync(JsonSerializer.Serialize(line, ExportOptions));
            }
            await output.FlushAsync(ct);
            return 0;
        }, ct);

    private static Option<DateTimeOffset?> Since() => new("--since")
    {
        Description = "only records recorded at or after T: ISO 8601, e.g. 2024-06-01 or 2024-06-01T12:00:00+02:00 (UTC when no offset is given)",
        HelpName = "T",
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
                    out var instant))
                return instant;
            result.AddError($"--since {text}: expected an ISO 8601 time such as 2024-06-01T12:00:00Z");
            return null;
        },
    };
}
