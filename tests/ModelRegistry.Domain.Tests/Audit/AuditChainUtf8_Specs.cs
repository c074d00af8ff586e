using System.Globalization;
using System.Text;
using ModelRegistry.Platform.Audit;

namespace ModelRegistry.Domain.Tests.Audit;

/// <summary>
/// The byte path (<see cref="AuditChainVerifier.Add(in AuditRecordUtf8)"/>, what <c>mreg audit verify</c> uses) and the
/// two-part walk (<see cref="AuditChain.Join"/>) give exactly the verdict of the text path, reasons included.
/// </summary>
public class AuditChainUtf8_Specs
{
    private static readonly DateTimeOffset At = new(2024, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Tamperings => new(
        "intact", "actor", "time", "model removed", "details", "hash forged", "hash uppercase", "hash recomputed", "removed 7",
        "removed 1", "removed 8 to 10", "removed last", "exchanged", "repeated", "swapped", "root", "not json", "unicode");

    [Theory]
    [MemberData(nameof(Tamperings))]
    public void The_byte_path_gives_the_text_paths_verdict_word_for_word(string tampering)
    {
        var chain = Tamper(Chain(16), tampering);

        var expected = AuditChain.Verify(chain);

        Assert.Equal(expected, VerifyBytes(chain));
        Assert.Equal(tampering is "intact" or "removed last", expected.Ok);
    }

    [Theory]
    [MemberData(nameof(Tamperings))]
    public void Two_parts_walked_separately_and_joined_give_the_one_pass_verdict_wherever_the_chain_is_cut(string tampering)
    {
        var chain = Tamper(Chain(16), tampering);
        var expected = AuditChain.Verify(chain);

        for (var cut = 0; cut <= chain.Count; cut++)
        {
            var head = VerifyBytes(chain.Take(cut));
            var rest = chain.Skip(cut).ToList();
            // Two ranges of a primary key never overlap: a second part that starts at or below the first's last sequence
            // (a swapped pair cut in the middle) is not a cut the database can make, and a one-pass skip cannot be undone.
            if (cut > 0 && rest.Count > 0 && rest[0].Sequence <= chain.Take(cut).Max(e => e.Sequence)) continue;
            AuditVerification? tail = null;
            if (rest.Count > 0)
            {
                var verifier = new AuditChainVerifier(Math.Max(0, rest[0].Sequence - 1), rest[0].PreviousHash);
                foreach (var entry in rest) verifier.Add(Utf8(entry));
                tail = verifier.Result;
            }

            var joined = AuditChain.Join(head, tail, rest.FirstOrDefault()?.Sequence ?? 0, rest.FirstOrDefault()?.PreviousHash ?? "");

            Assert.True(expected == joined, $"cut before record {cut + 1}: expected {expected}, joined {joined}");
        }
    }

    [Fact]
    public void Texts_that_are_not_utf8_and_times_beyond_datetime_make_the_record_malformed()
    {
        var chain = Chain(3);
        var verifier = new AuditChainVerifier();
        Assert.True(verifier.Add(Utf8(chain[0])));

        var record = Utf8(chain[1]);
        var badActor = new AuditRecordUtf8
        {
            Sequence = record.Sequence, RecordedAtUtcTicks = record.RecordedAtUtcTicks, Actor = [0x61, 0xC3], Action = record.Action,
            SubjectType = record.SubjectType, Subject = record.Subject, HasModelName = record.HasModelName, ModelName = record.ModelName,
            DetailsJson = record.DetailsJson, PreviousHash = record.PreviousHash, Hash = record.Hash,
        };
        Assert.False(verifier.Add(badActor));
        Assert.Equal((2L, AuditFault.Malformed), (verifier.Result.FirstBadSequence, verifier.Result.Fault));
        Assert.Contains("not valid UTF-8", verifier.Result.Reason, StringComparison.Ordinal);

        var beyond = new AuditChainVerifier();
        Assert.True(beyond.Add(Utf8(chain[0])));
        var late = Utf8(chain[1]);
        Assert.False(beyond.Add(new AuditRecordUtf8
        {
            Sequence = late.Sequence, RecordedAtUtcTicks = -1, Actor = late.Actor, Action = late.Action, SubjectType = late.SubjectType,
            Subject = late.Subject, HasModelName = late.HasModelName, ModelName = late.ModelName, DetailsJson = late.DetailsJson,
            PreviousHash = late.PreviousHash, Hash = late.Hash,
        }));
        Assert.Equal((2L, AuditFault.Malformed), (beyond.Result.FirstBadSequence, beyond.Result.Fault));
    }

    private static AuditVerification VerifyBytes(IEnumerable<AuditEntry> chain)
    {
        var verifier = new AuditChainVerifier();
        foreach (var entry in chain)
            verifier.Add(Utf8(entry));
        return verifier.Result;
    }

    // The record as the database would send it.
    private static AuditRecordUtf8 Utf8(AuditEntry e)
    {
        byte[][] owner = [Bytes(e.Actor), Bytes(e.Action), Bytes(e.SubjectType), Bytes(e.Subject), Bytes(e.ModelName ?? ""), Bytes(e.DetailsJson),
            Bytes(e.PreviousHash), Bytes(e.Hash)];
        return new AuditRecordUtf8
        {
            Sequence = e.Sequence,
            RecordedAtUtcTicks = e.RecordedAt.UtcTicks,
            Actor = owner[0],
            Action = owner[1],
            SubjectType = owner[2],
            Subject = owner[3],
            HasModelName = e.ModelName is not null,
            ModelName = owner[4],
            DetailsJson = owner[5],
            PreviousHash = owner[6],
            Hash = owner[7],
        };
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static List<AuditEntry> Tamper(List<AuditEntry> chain, string tampering)
    {
        switch (tampering)
        {
            case "intact": break;
            case "actor": chain[5] = chain[5] with { Actor = "mallory" }; break;
            case "time": chain[5] = chain[5] with { RecordedAt = chain[5].RecordedAt.AddTicks(10) }; break;
            case "model removed": chain[5] = chain[5] with { ModelName = null }; break;
            case "details": chain[8] = chain[8] with { DetailsJson = chain[8].DetailsJson.Replace("\"n\":9", "\"n\":10", StringComparison.Ordinal) }; break;
            case "hash forged": chain[6] = chain[6] with { Hash = new string('a', 64) }; break;
            case "hash uppercase": chain[2] = chain[2] with { Hash = chain[2].Hash.ToUpperInvariant() }; break;
            case "hash recomputed":
                var changed = chain[9] with { Actor = "mallory" };
                chain[9] = changed with { Hash = AuditChain.ComputeHash(changed) };
                break;
            case "removed 7": chain.RemoveAt(6); break;
            case "removed 1": chain.RemoveAt(0); break;
            case "removed 8 to 10": chain.RemoveRange(7, 3); break;
            case "removed last": chain.RemoveAt(chain.Count - 1); break; // not detectable by the chain alone: the head moves
            case "exchanged":
                (chain[3], chain[4]) = (chain[4] with { Sequence = 4 }, chain[3] with { Sequence = 5 });
                break;
            case "repeated": chain.Insert(5, chain[4]); break;
            case "swapped": (chain[10], chain[11]) = (chain[11], chain[10]); break;
            case "root": chain[0] = chain[0] with { PreviousHash = new string('1', 64) }; break;
            case "not json": chain[3] = chain[3] with { DetailsJson = "{not json" }; break;
            case "unicode": chain[7] = chain[7] with { Subject = "sentiment/é/8" }; break;
            default: throw new ArgumentOutOfRangeException(nameof(tampering));
        }
        return chain;
    }

    private static List<AuditEntry> Chain(int count)
    {
        var chain = new List<AuditEntry>(count);
        var previous = AuditChain.Genesis;
        for (var n = 1; n <= count; n++)
        {
            var entry = AuditChain.Create(n, previous, At.AddMilliseconds(n * 1.5), n % 3 == 0 ? "svc:registration" : "ålice",
                n % 2 == 0 ? "version.registered" : "stage.changed", "model_version", $"sentiment/{n}", n % 5 == 0 ? null : "sentiment",
                string.Create(CultureInfo.InvariantCulture, $"{{\"note\":\"entry {n}\\n\",\"n\":{n},\"gates\":{{\"ok\":true,\"f1\":0.50,\"é\":[1e2]}}}}"));
            chain.Add(entry);
            previous = entry.Hash;
        }
        return chain;
    }
}
