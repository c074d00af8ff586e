using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using ModelRegistry.Platform.Audit;

namespace ModelRegistry.Cli;

/// <summary>What <c>mreg audit verify</c> checks besides the chain: checkpoint files, the broker's stream, with these public keys.</summary>
public sealed record AuditVerifyRequest
{
    public IReadOnlyList<string> CheckpointFiles { get; init; } = [];
    public bool FromBroker { get; init; }
    public IReadOnlyList<string> PublicKeyFiles { get; init; } = [];
    public TimeSpan BrokerIdle { get; init; } = AuditCheckpointBroker.DefaultIdle;

    public bool HasCheckpoints => CheckpointFiles.Count > 0 || FromBroker;
}

/// <summary><c>mreg audit verify</c> (the chain, and the checkpoints given) and <c>mreg audit checkpoint</c>.</summary>
public static class AuditCheckpointCommands
{
    public const int ExitFaults = 1, ExitUsage = 2;
    public const string KeyFileVariable = "Audit__CheckpointKeyFile", PublicKeyFileVariable = "Audit__CheckpointPublicKeyFile";

    public static Command Verify(Option<bool> json)
    {
        var checkpoints = new Option<string[]>("--checkpoint")
        {
            Description = "check the log against every checkpoint in FILE (JSON lines, as the host's Audit__CheckpointFile or `mreg audit checkpoint --file` write); repeatable",
            HelpName = "FILE", AllowMultipleArgumentsPerToken = false,
        };
        var fromBroker = new Option<bool>("--from-broker") { Description = $"check the log against every checkpoint in the broker's stream {AuditCheckpointBroker.Queue}, read from the first without consuming" };
        var keys = PublicKeys();
        var verify = new Command("verify",
            "walk the hash chain from record 1 and report every bad record, then check each checkpoint's signature and that its record is still there with its hash: " +
            "exit 0 intact, 1 listing every fault (sequence, kind, why), 2 a key or checkpoint file cannot be read")
        {
            checkpoints, fromBroker, keys,
        };
        verify.SetAction((parse, ct) => VerifyAsync(CliSettings.Load(), new AuditVerifyRequest
        {
            CheckpointFiles = parse.GetValue(checkpoints) ?? [],
            FromBroker = parse.GetValue(fromBroker),
            PublicKeyFiles = Defaulted(parse.GetValue(keys), PublicKeyFileVariable),
        }, parse.GetValue(json), Console.Out, ct));
        return verify;
    }

    public static Command Checkpoint(Option<bool> json)
    {
        var key = new Option<string>("--key") { Description = $"the signing key's PEM file (default: ${KeyFileVariable}, as the host's)", HelpName = "FILE" };
        var file = new Option<string>("--file") { Description = "also append the checkpoint to FILE (JSON lines, fsynced)", HelpName = "FILE" };
        var noBroker = new Option<bool>("--no-broker") { Description = $"do not publish it to the stream {AuditCheckpointBroker.Queue} (then --file is required)" };
        var checkpoint = new Command("checkpoint",
            "sign the log's head (last sequence and hash) now and publish it to the broker's checkpoint stream (mandatory: exit 1 if it reaches no queue) and/or a file")
        {
            key, file, noBroker,
        };
        checkpoint.SetAction((parse, ct) => CheckpointAsync(CliSettings.Load(), parse.GetValue(key) ?? Environment.GetEnvironmentVariable(KeyFileVariable) ?? "",
            parse.GetValue(file), !parse.GetValue(noBroker), parse.GetValue(json), Console.Out, ct));
        return checkpoint;
    }

    private static Option<string[]> PublicKeys() => new("--public-key")
    {
        Description = $"PEM public key the checkpoints must be signed with (default: ${PublicKeyFileVariable}); repeatable, e.g. across a key rotation; never the key a checkpoint names",
        HelpName = "FILE", AllowMultipleArgumentsPerToken = false,
    };

    private static string[] Defaulted(string[]? given, string variable) =>
        given is { Length: > 0 } ? given : Environment.GetEnvironmentVariable(variable) is { Length: > 0 } v ? [v] : [];

    public static async Task<int> CheckpointAsync(CliSettings settings, string keyFile, string? file, bool toBroker, bool json, TextWriter output,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(output);
        if (!toBroker && string.IsNullOrEmpty(file)) return await UsageAsync("--no-broker needs --file: the checkpoint must go somewhere");
        var (key, problem) = AuditCheckpointKeys.LoadPrivate(keyFile);
        if (key is null) return await UsageAsync($"--key: {problem}");
        using (key)
        {
            return await CliDatabase.ReadAsync(settings, async connection =>
            {
                var head = await AuditCheckpointQueries.HeadAsync(connection, ct);
                var checkpoint = AuditCheckpoints.Sign(key, head.Sequence, head.Hash, TimeProvider.System.GetUtcNow());
                var written = new List<string>();
                try
                {
                    if (toBroker)
                    {
                        await AuditCheckpointBroker.PublishAsync(settings.RabbitMq, checkpoint, ct);
                        written.Add(AuditCheckpointBroker.Queue);
                    }
                    if (!string.IsNullOrEmpty(file))
                    {
                        AuditCheckpointFile.Append(file, checkpoint);
                        written.Add(file);
                    }
                }
                catch (AuditCheckpointSinkException e)
                {
                    await Console.Error.WriteLineAsync($"mreg: {e.Message}{(written.Count > 0 ? $" (written to {string.Join(", ", written)})" : "")}");
                    return ExitFaults;
                }
                if (json) CliJson.Write(output, checkpoint);
                else
                    output.WriteLine($"audit checkpoint: record {checkpoint.Sequence}, hash {checkpoint.HeadHash}, key {checkpoint.KeyId}, " +
                        $"written to {string.Join(" and ", written)}");
                return 0;
            }, ct);
        }
    }

    public static async Task<int> VerifyAsync(CliSettings settings, AuditVerifyRequest request, bool json, TextWriter output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(output);
        var keys = new Dictionary<string, ECDsa>();
        var checkpoints = new List<AuditCheckpointRead>();
        try
        {
            if (request.HasCheckpoints)
            {
                if (request.PublicKeyFiles.Count == 0)
                    return await UsageAsync($"checking checkpoints needs the public key: --public-key FILE (or ${PublicKeyFileVariable})");
                foreach (var path in request.PublicKeyFiles)
                {
                    var (key, problem) = AuditCheckpointKeys.LoadPublic(path);
                    if (key is null) return await UsageAsync($"--public-key: {problem}");
                    keys[AuditCheckpoints.KeyIdOf(key)] = key;
                }
                foreach (var path in request.CheckpointFiles)
                {
                    if (!File.Exists(path)) return await UsageAsync($"--checkpoint: {path} does not exist");
                    checkpoints.AddRange(AuditCheckpointFile.Read(path));
                }
                if (request.FromBroker)
                {
                    try
                    {
                        checkpoints.AddRange(await AuditCheckpointBroker.ReadAllAsync(settings.RabbitMq, request.BrokerIdle, ct));
                    }
                    catch (AuditCheckpointSinkException e)
                    {
                        await Console.Error.WriteLineAsync($"mreg: --from-broker: {e.Message}");
                        return CliDatabase.ExitUnavailable;
                    }
                }
            }
            return await CliDatabase.ReadAsync(settings, async connection =>
            {
                var report = await AuditReader.VerifyAsync(connection, ct);
                var v = report.Verification;
                AuditVerifyCheckpoints? checkedCheckpoints = null;
                if (request.HasCheckpoints)
                {
                    var wanted = checkpoints.Where(c => c.Checkpoint is not null).Select(c => c.Checkpoint!.Sequence);
                    var (hashes, last) = await AuditCheckpointQueries.HashesAtAsync(connection, wanted, ct);
                    var findings = AuditCheckpointCheck.Check(checkpoints, keys, hashes, last);
                    checkedCheckpoints = new AuditVerifyCheckpoints(findings.Count, findings.Count(f => f.Ok),
                        findings.Where(f => f.Ok).Select(f => f.Sequence).Max(),
                        findings.Where(f => !f.Ok).Select(f => new AuditVerifyFault(f.Sequence, Name(f.Fault!.Value), f.Reason!, f.Origin)).ToList());
                }
                var result = new AuditVerifyResult(v.Ok && checkedCheckpoints is not { Faults.Count: > 0 }, v.Verified, v.Read, v.LastSequence, v.LastHash,
                    v.FirstBadSequence, v.Fault is { } fault ? Name(fault) : null, v.Reason, v.FaultCount,
                    v.Faults.Select(f => new AuditVerifyFault(f.Sequence, Name(f.Fault), f.Reason)).ToList(), checkedCheckpoints,
                    Math.Round(report.Elapsed.TotalSeconds, 3), Math.Round(report.RecordsPerSecond));
                Print(result, json, output);
                return result.Ok ? 0 : ExitFaults;
            }, ct);
        }
        finally
        {
            foreach (var key in keys.Values) key.Dispose();
        }
    }

    private static void Print(AuditVerifyResult result, bool json, TextWriter output)
    {
        if (json)
        {
            CliJson.Write(output, result);
            return;
        }
        if (result.FaultCount == 0)
        {
            output.WriteLine($"audit verify: ok, {result.Verified:N0} records in {result.ElapsedSeconds:F2} s ({result.RecordsPerSecond:N0} records/s)");
        }
        else
        {
            output.WriteLine($"audit verify: FAILED at record {result.FirstBadSequence} ({result.Fault}): {result.Reason}");
            output.WriteLine($"{result.FaultCount:N0} fault(s) in {result.Read:N0} records ({result.Verified:N0} intact):");
            foreach (var f in result.Faults) output.WriteLine($"  record {f.Sequence}: {f.Fault}: {f.Reason}");
            if (result.FaultCount > result.Faults.Count) output.WriteLine($"  ... and {result.FaultCount - result.Faults.Count:N0} more");
        }
        output.WriteLine($"last record {result.LastSequence}, hash {result.LastHash}");
        if (result.Checkpoints is not { } c) return;
        if (c.Faults.Count == 0)
        {
            output.WriteLine(c.Checked == 0 ? "checkpoints: none found (nothing checked against them)"
                : $"checkpoints: {c.Checked} checked, all signed and matching the log (the latest: record {c.LastCheckpointedSequence})");
            return;
        }
        output.WriteLine($"checkpoints: FAILED, {c.Faults.Count} of {c.Checked} do not vouch for the log:");
        foreach (var f in c.Faults) output.WriteLine($"  {f.Fault}: {f.Reason}");
    }

    private static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    private static async Task<int> UsageAsync(string problem)
    {
        await Console.Error.WriteLineAsync($"mreg: {problem}");
        return ExitUsage;
    }
}
