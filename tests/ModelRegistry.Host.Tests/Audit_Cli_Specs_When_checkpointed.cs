using System.Text.Json;
using ModelRegistry.Cli;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Testing;
using RabbitMQ.Client;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// <c>mreg audit checkpoint</c> and <c>mreg audit verify --checkpoint FILE | --from-broker</c> over the real broker and
/// database: what a superuser's edits look like against a checkpoint kept outside PostgreSQL. A fresh database per test.
/// </summary>
public sealed class Audit_Cli_Specs_When_checkpointed : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2024, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly IsolatedEnvironment env = new();
    private readonly string folder = Directory.CreateTempSubdirectory("mreg-checkpoints-").FullName;

    private string CheckpointFile => Path.Combine(folder, "checkpoints.jsonl");

    public async Task InitializeAsync()
    {
        await env.InitializeAsync();
        await AuditCheckpointBroker.DeclareAsync(env.RabbitMq, default); // as the audit worker does at start
    }

    public async Task DisposeAsync()
    {
        await env.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task Deleting_the_last_5_records_as_superuser_is_detected_against_the_checkpoint_in_the_file_and_in_the_broker()
    {
        await AppendAsync(20);
        var (exit, made, _) = await CheckpointAsync();
        Assert.Equal(0, exit);
        Assert.Equal(20, made.GetProperty("sequence").GetInt64());
        var (ok, okJson, _) = await VerifyAsync(new() { CheckpointFiles = [CheckpointFile], FromBroker = true });
        Assert.Equal(0, ok);
        Assert.Equal(2, okJson.GetProperty("checkpoints").GetProperty("checked").GetInt32()); // the file's and the stream's

        Assert.Equal(5, await env.TamperAsSuperuserAsync("DELETE FROM registry.audit_log WHERE sequence > 15"));

        // The chain alone cannot tell: what is left is intact.
        Assert.Equal(0, (await VerifyAsync(new())).Exit);
        foreach (var request in new AuditVerifyRequest[] { new() { CheckpointFiles = [CheckpointFile] }, new() { FromBroker = true } })
        {
            var (failed, json, _) = await VerifyAsync(request);
            Assert.Equal(1, failed);
            Assert.False(json.GetProperty("ok").GetBoolean());
            var fault = Assert.Single(json.GetProperty("checkpoints").GetProperty("faults").EnumerateArray());
            Assert.Equal("truncated", fault.GetProperty("fault").GetString());
            Assert.Equal(20, fault.GetProperty("sequence").GetInt64());
            Assert.Contains("the log ends at record 15", fault.GetProperty("reason").GetString(), StringComparison.Ordinal);
        }
        var (_, _, text) = await VerifyAsync(new() { FromBroker = true }, json: false);
        Assert.Contains("checkpoints: FAILED, 1 of 1 do not vouch for the log:\n  truncated: mreg.audit-checkpoints offset", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Re_chaining_the_whole_log_after_a_checkpoint_is_detected()
    {
        var records = await AppendAsync(20);
        Assert.Equal(0, (await CheckpointAsync()).Exit);

        // Rewrite record 3 and recompute every later hash, as someone who knows the canonical form would.
        var previous = records[1].Hash;
        foreach (var r in records.Skip(2))
        {
            var changed = (r.Sequence == 3 ? r with { Actor = "mallory" } : r) with { PreviousHash = previous };
            changed = changed with { Hash = AuditChain.ComputeHash(changed) };
            Assert.Equal(1, await env.TamperAsSuperuserAsync(
                $"UPDATE registry.audit_log SET actor = '{changed.Actor}', previous_hash = '{changed.PreviousHash}', hash = '{changed.Hash}' WHERE sequence = {r.Sequence}"));
            previous = changed.Hash;
        }

        Assert.Equal(0, (await VerifyAsync(new())).Exit); // intact in itself
        var (exit, json, _) = await VerifyAsync(new() { CheckpointFiles = [CheckpointFile], FromBroker = true });
        Assert.Equal(1, exit);
        var faults = json.GetProperty("checkpoints").GetProperty("faults").EnumerateArray().ToList();
        Assert.Equal(2, faults.Count);
        Assert.All(faults, f => Assert.Equal("head_mismatch", f.GetProperty("fault").GetString()));
        Assert.Contains($"the checkpoint says {records[^1].Hash}", faults[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_independent_edits_are_all_reported_with_their_sequence_and_kind()
    {
        await AppendAsync(30);
        Assert.Equal(1, await env.TamperAsSuperuserAsync("UPDATE registry.audit_log SET actor = 'mallory' WHERE sequence = 5"));
        Assert.Equal(1, await env.TamperAsSuperuserAsync("DELETE FROM registry.audit_log WHERE sequence = 12"));
        Assert.Equal(1, await env.TamperAsSuperuserAsync("UPDATE registry.audit_log SET details = jsonb_set(details, '{version}', '99') WHERE sequence = 25"));

        var (exit, json, _) = await VerifyAsync(new());

        Assert.Equal(1, exit);
        Assert.Equal(3, json.GetProperty("faultCount").GetInt64());
        Assert.Equal([(5L, "hash_mismatch"), (12L, "gap"), (25L, "hash_mismatch")],
            json.GetProperty("faults").EnumerateArray().Select(f => (f.GetProperty("sequence").GetInt64(), f.GetProperty("fault").GetString())));
        Assert.Equal(30, json.GetProperty("lastSequence").GetInt64());
        var (_, _, text) = await VerifyAsync(new(), json: false);
        Assert.Contains("3 fault(s) in 29 records (26 intact):\n  record 5: hash_mismatch:", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_checkpoint_with_a_bad_signature_or_from_another_key_is_reported_as_such_and_vouches_for_nothing()
    {
        await AppendAsync(10);
        Assert.Equal(0, (await CheckpointAsync()).Exit);
        var line = (await File.ReadAllLinesAsync(CheckpointFile)).Single();
        var forged = line.Replace("\"sequence\":10", "\"sequence\":9", StringComparison.Ordinal);
        Assert.NotEqual(line, forged);
        var other = TestCheckpointKey.MakeIn(Path.Combine(folder, "other"));
        var foreign = Path.Combine(folder, "foreign.jsonl");
        Assert.Equal(0, await AuditCheckpointCommands.CheckpointAsync(env.Cli(), other.Private, foreign, toBroker: false, json: true, TextWriter.Null, default));
        var mixed = Path.Combine(folder, "mixed.jsonl");
        await File.WriteAllLinesAsync(mixed, [forged, (await File.ReadAllLinesAsync(foreign)).Single(), "{\"sequence\":"]);

        var (exit, json, _) = await VerifyAsync(new() { CheckpointFiles = [mixed] });

        Assert.Equal(1, exit);
        Assert.True(json.GetProperty("faultCount").GetInt64() == 0, "the chain itself is intact");
        Assert.Equal(["bad_signature", "unknown_key", "malformed"],
            json.GetProperty("checkpoints").GetProperty("faults").EnumerateArray().Select(f => f.GetProperty("fault").GetString()));
        // Given the other key as well, its checkpoint is good; the forged one is still not.
        (exit, json, _) = await VerifyAsync(new() { CheckpointFiles = [mixed], PublicKeyFiles = [TestCheckpointKey.PublicKeyFile, other.Public] });
        Assert.Equal(["bad_signature", "malformed"],
            json.GetProperty("checkpoints").GetProperty("faults").EnumerateArray().Select(f => f.GetProperty("fault").GetString()));
        // A private key is not what verify takes.
        Assert.Equal(2, (await VerifyAsync(new() { CheckpointFiles = [mixed], PublicKeyFiles = [TestCheckpointKey.PrivateKeyFile] })).Exit);
    }

    [Fact]
    public async Task A_checkpoint_that_reaches_no_queue_is_an_error_not_silence()
    {
        await AppendAsync(3);
        var admin = await Preflight.ConnectionFactory(env.RabbitMq).CreateConnectionAsync();
        await using (admin)
        await using (var channel = await admin.CreateChannelAsync())
            await channel.QueueDeleteAsync(AuditCheckpointBroker.Queue); // the exchange stays, bound to nothing

        var error = new StringWriter();
        var before = Console.Error;
        Console.SetError(error);
        int exit;
        try
        {
            exit = await AuditCheckpointCommands.CheckpointAsync(env.Cli(), TestCheckpointKey.PrivateKeyFile, null, toBroker: true, json: true,
                TextWriter.Null, default);
        }
        finally
        {
            Console.SetError(before);
        }

        Assert.Equal(1, exit);
        Assert.Contains("returned unroutable by exchange 'mreg.audit-checkpoint'", error.ToString(), StringComparison.Ordinal);
    }

    private async Task<(int Exit, JsonElement Json, string Text)> CheckpointAsync()
    {
        using var output = new StringWriter();
        var exit = await AuditCheckpointCommands.CheckpointAsync(env.Cli(), TestCheckpointKey.PrivateKeyFile, CheckpointFile, toBroker: true, json: true,
            output, default);
        return (exit, exit == 0 ? JsonDocument.Parse(output.ToString()).RootElement.Clone() : default, output.ToString());
    }

    private async Task<(int Exit, JsonElement Json, string Text)> VerifyAsync(AuditVerifyRequest request, bool json = true)
    {
        if (request.HasCheckpoints && request.PublicKeyFiles.Count == 0) request = request with { PublicKeyFiles = [TestCheckpointKey.PublicKeyFile] };
        using var output = new StringWriter();
        var exit = await AuditCheckpointCommands.VerifyAsync(env.Cli(), request with { BrokerIdle = TimeSpan.FromSeconds(5) }, json, output, default);
        var text = output.ToString();
        return (exit, json && text.StartsWith('{') ? JsonDocument.Parse(text).RootElement.Clone() : default, text);
    }

    private async Task<List<AuditEntry>> AppendAsync(int count)
    {
        var entries = new List<AuditEntry>();
        for (var n = 1; n <= count; n++)
        {
            await using var c = await env.DataSource.OpenConnectionAsync();
            await using var tx = await c.BeginTransactionAsync();
            entries.Add(await AuditLog.AppendAsync(c, tx, new AuditAppend("alice", "version.registered", "model_version", $"sentiment/{n}", "sentiment",
                new { version = n }), Start.AddMinutes(n), default));
            await tx.CommitAsync();
        }
        return entries;
    }
}
