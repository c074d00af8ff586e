using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using ModelRegistry.Cli;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Testing;
using Npgsql;

namespace ModelRegistry.Host.Tests;

/// <summary><c>mreg audit</c> in-process against a fresh database per test (the tests tamper with it).</summary>
public sealed partial class Audit_Cli_Specs : IAsyncLifetime
{
    private static readonly string Repo = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));
    private static readonly DateTimeOffset Start = new(2024, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly IsolatedEnvironment env = new();

    private CliSettings Settings => env.Cli();

    public Task InitializeAsync() => env.InitializeAsync();

    public Task DisposeAsync() => env.DisposeAsync();

    [Fact]
    public async Task Verify_exits_0_on_an_intact_chain_and_1_naming_the_first_bad_record_after_tampering()
    {
        await AppendAsync(20);

        var (exit, json, _) = await RunAsync(w => AuditCommand.VerifyAsync(Settings, json: true, w, default));
        Assert.Equal(0, exit);
        Assert.True(json.GetProperty("ok").GetBoolean());
        Assert.Equal(20, json.GetProperty("verified").GetInt64());
        Assert.Equal(20, json.GetProperty("lastSequence").GetInt64());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("firstBadSequence").ValueKind);
        Assert.True(json.GetProperty("recordsPerSecond").GetDouble() > 0);
        var (_, _, text) = await RunAsync(w => AuditCommand.VerifyAsync(Settings, json: false, w, default));
        Assert.StartsWith("audit verify: ok, 20 records", text, StringComparison.Ordinal);

        await TamperAsync("UPDATE registry.audit_log SET actor = 'mallory' WHERE sequence = 13");

        (exit, json, _) = await RunAsync(w => AuditCommand.VerifyAsync(Settings, json: true, w, default));
        Assert.Equal(1, exit);
        Assert.False(json.GetProperty("ok").GetBoolean());
        Assert.Equal(13, json.GetProperty("firstBadSequence").GetInt64());
        Assert.Equal("hash_mismatch", json.GetProperty("fault").GetString());
        Assert.Equal(19, json.GetProperty("verified").GetInt64()); // the walk goes on after record 13: every fault is reported
        Assert.Equal(1, json.GetProperty("faultCount").GetInt64());
        Assert.Contains("record 13", json.GetProperty("reason").GetString(), StringComparison.Ordinal);
        (_, _, text) = await RunAsync(w => AuditCommand.VerifyAsync(Settings, json: false, w, default));
        Assert.StartsWith("audit verify: FAILED at record 13 (hash_mismatch)", text, StringComparison.Ordinal);

        await TamperAsync("DELETE FROM registry.audit_log WHERE sequence = 5");

        (exit, json, _) = await RunAsync(w => AuditCommand.VerifyAsync(Settings, json: true, w, default));
        Assert.Equal(1, exit);
        Assert.Equal(5, json.GetProperty("firstBadSequence").GetInt64());
        Assert.Equal("gap", json.GetProperty("fault").GetString());
    }

    [Fact]
    public async Task Export_writes_one_json_object_per_line_that_re_verifies_with_the_documented_python_snippet()
    {
        var appended = await AppendAsync(12);

        var (exit, _, text) = await RunAsync(w => AuditCommand.ExportAsync(Settings, null, w, default), oneJsonValue: false);

        Assert.Equal(0, exit);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(12, lines.Length);
        var records = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(records, r => Assert.Equal(JsonValueKind.Object, r.ValueKind));
        Assert.Equal(appended.Select(e => e.Sequence), records.Select(r => r.GetProperty("sequence").GetInt64()));
        Assert.Equal(appended.Select(e => e.Hash), records.Select(r => r.GetProperty("hash").GetString()));
        Assert.Equal(appended.Select(e => e.DetailsJson), records.Select(r => r.GetProperty("details").GetString()));
        Assert.Equal("2024-06-01T12:00:00.000000Z", records[0].GetProperty("recordedAt").GetString());
        Assert.Equal(JsonValueKind.Null, records[0].GetProperty("modelName").ValueKind);

        // An auditor's own tool, as docs/audit.md gives it, agrees: intact, then the first bad record after tampering.
        var (pythonExit, pythonOutput) = await RunDocumentedVerifierAsync(text);
        Assert.True(pythonExit == 0, pythonOutput);
        Assert.Contains($"ok: 12 records, last 12 {appended[^1].Hash}", pythonOutput, StringComparison.Ordinal);

        var tampered = string.Join('\n', lines.Select((l, i) => i == 6 ? l.Replace("svc:registration", "svc:registratioN", StringComparison.Ordinal) : l));
        Assert.NotEqual(text.TrimEnd('\n'), tampered);
        (pythonExit, pythonOutput) = await RunDocumentedVerifierAsync(tampered);
        Assert.Equal(1, pythonExit);
        Assert.Contains("record 7: hash mismatch", pythonOutput, StringComparison.Ordinal);

        // --since: the later records only; the first one names its predecessor's hash, which links to the earlier export.
        var (_, _, later) = await RunAsync(w => AuditCommand.ExportAsync(Settings, Start.AddMinutes(9), w, default), oneJsonValue: false);
        var laterRecords = later.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([10L, 11L, 12L], laterRecords.Select(r => r.GetProperty("sequence").GetInt64()));
        Assert.Equal(appended[8].Hash, laterRecords[0].GetProperty("previousHash").GetString());
    }

    [Fact]
    public async Task List_filters_by_model_and_time_and_shows_the_details_as_an_object()
    {
        await AppendAsync(12);

        var (exit, json, _) = await RunAsync(w => AuditCommand.ListAsync(Settings, "sentiment", Start.AddMinutes(3), 100, json: true, w, default));

        Assert.Equal(0, exit);
        var items = json.EnumerateArray().ToList();
        Assert.Equal([5L, 6L, 8L, 9L, 11L, 12L], items.Select(i => i.GetProperty("sequence").GetInt64()));
        Assert.All(items, i => Assert.Equal("sentiment", i.GetProperty("modelName").GetString()));
        Assert.Equal(5, items[0].GetProperty("details").GetProperty("version").GetInt32());

        var (_, limited, _) = await RunAsync(w => AuditCommand.ListAsync(Settings, null, null, 2, json: true, w, default));
        Assert.Equal([11L, 12L], limited.EnumerateArray().Select(i => i.GetProperty("sequence").GetInt64()));

        var (_, _, text) = await RunAsync(w => AuditCommand.ListAsync(Settings, "sentiment", null, 1, json: false, w, default));
        Assert.Contains("version.registered", text, StringComparison.Ordinal);
        Assert.Contains("""{"stage":"staging","version":12}""", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_audit_commands_are_part_of_mreg()
    {
        var root = MregCommand.Build();

        var audit = root.Subcommands.Single(c => c.Name == "audit");
        Assert.Equal(["checkpoint", "export", "list", "verify"], audit.Subcommands.Select(c => c.Name).Order());
        Assert.Empty(root.Parse(["audit", "verify", "--checkpoint", "a.jsonl", "--checkpoint", "b.jsonl", "--from-broker", "--public-key", "k.pub", "--json"]).Errors);
        Assert.Empty(root.Parse(["audit", "checkpoint", "--key", "k", "--file", "c.jsonl", "--no-broker"]).Errors);
        Assert.Empty(root.Parse(["audit", "list", "--model", "m", "--since", "2024-06-01", "--limit", "5"]).Errors);
        Assert.NotEmpty(root.Parse(["audit", "list", "--since", "yesterday"]).Errors);
        Assert.NotEmpty(root.Parse(["audit", "list", "--limit", "0"]).Errors);
    }

    /// <summary>Records 1..count, one minute apart; every third concerns no model, the others "sentiment".</summary>
    private async Task<List<AuditEntry>> AppendAsync(int count)
    {
        var entries = new List<AuditEntry>();
        for (var n = 1; n <= count; n++)
        {
            await using var c = await env.DataSource.OpenConnectionAsync();
            await using var tx = await c.BeginTransactionAsync();
            entries.Add(await AuditLog.AppendAsync(c, tx, new AuditAppend(
                n % 2 == 0 ? "alice" : "svc:registration", "version.registered", "model_version", $"sentiment/{n}",
                n % 3 == 1 ? null : "sentiment", new { version = n, stage = "staging" }), Start.AddMinutes(n - 1), default));
            await tx.CommitAsync();
        }
        return entries;
    }

    private async Task TamperAsync(string sql) => Assert.Equal(1, await env.TamperAsSuperuserAsync(sql));

    /// <summary>Runs the verifier snippet of docs/audit.md with python3 on <paramref name="export"/>.</summary>
    private static async Task<(int Exit, string Output)> RunDocumentedVerifierAsync(string export)
    {
        var doc = await File.ReadAllTextAsync(Path.Combine(Repo, "docs/audit.md"));
        var snippet = VerifierSnippet().Match(doc);
        Assert.True(snippet.Success, "docs/audit.md has no ```python block containing verify_export");
        var folder = Directory.CreateTempSubdirectory("mreg-audit-");
        try
        {
            var script = Path.Combine(folder.FullName, "verify_export.py");
            var file = Path.Combine(folder.FullName, "audit.jsonl");
            await File.WriteAllTextAsync(script, snippet.Groups[1].Value);
            await File.WriteAllTextAsync(file, export);
            var info = new ProcessStartInfo("/usr/bin/python3", [script, file]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var python = Process.Start(info)!;
            var output = await python.StandardOutput.ReadToEndAsync() + await python.StandardError.ReadToEndAsync();
            await python.WaitForExitAsync();
            return (python.ExitCode, output);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [GeneratedRegex(@"```python\n(# verify_export\.py.*?)```", RegexOptions.Singleline)]
    private static partial Regex VerifierSnippet();

    /// <summary>Runs a command in-process; its output is parsed as one JSON value when it is one (not for export's lines).</summary>
    private static async Task<(int Exit, JsonElement Json, string Text)> RunAsync(Func<TextWriter, Task<int>> command, bool oneJsonValue = true)
    {
        using var output = new StringWriter();
        var exit = await command(output);
        var text = output.ToString();
        var json = oneJsonValue && text.Length > 0 && text[0] is '{' or '[' ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return (exit, json, text);
    }
}
