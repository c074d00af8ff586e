using System.Security.Cryptography;
using System.Text;
using ModelRegistry.Contracts;
using ModelRegistry.Platform.Audit;

namespace ModelRegistry.Domain.Tests.Audit;

/// <summary>The signed form of a checkpoint, its signature, and what a checkpoint says about a log.</summary>
public sealed class AuditCheckpoint_Specs : IDisposable
{
    private static readonly DateTimeOffset At = new(2024, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly System.Text.Json.JsonSerializerOptions Web = new(System.Text.Json.JsonSerializerDefaults.Web);
    private readonly ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa other = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public void Dispose()
    {
        key.Dispose();
        other.Dispose();
    }

    private Dictionary<string, ECDsa> PublicKeys()
    {
        var pub = ECDsa.Create();
        pub.ImportSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
        return new() { [AuditCheckpoints.KeyIdOf(pub)] = pub };
    }

    [Fact]
    public void The_canonical_form_is_the_tag_and_four_length_prefixed_fields()
    {
        var text = Encoding.UTF8.GetString(AuditCheckpoints.Canonical(12, new string('a', 64), At.AddTicks(1_234_567), "k1"));

        Assert.Equal("mreg-audit-checkpoint-v1\n2:12\n64:" + new string('a', 64) + "\n27:2024-06-01T12:00:00.123456Z\n2:k1\n", text);
    }

    [Fact]
    public void The_key_id_is_the_sha256_of_the_public_key_info()
    {
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo())), AuditCheckpoints.KeyIdOf(key));
    }

    [Fact]
    public void A_signed_checkpoint_verifies_with_the_public_key_alone_and_survives_its_json_round_trip()
    {
        var checkpoint = AuditCheckpoints.Sign(key, 12, new string('b', 64), At.AddTicks(1_234_567));
        var line = System.Text.Json.JsonSerializer.Serialize(checkpoint, Web);
        var back = System.Text.Json.JsonSerializer.Deserialize<AuditCheckpoint>(line, Web)!;

        Assert.Equal(AuditCheckpoints.Format, checkpoint.Format);
        Assert.Equal(At.AddTicks(1_234_560), checkpoint.CheckpointedAt); // microseconds, as signed
        Assert.Null(AuditCheckpoints.CheckSignature(back, PublicKeys()));
    }

    public static TheoryData<string> Edits => new("sequence", "headHash", "checkpointedAt", "signature");

    [Theory]
    [MemberData(nameof(Edits))]
    public void Any_edited_field_breaks_the_signature(string field)
    {
        var c = AuditCheckpoints.Sign(key, 12, new string('b', 64), At);
        var edited = field switch
        {
            "sequence" => c with { Sequence = 11 },
            "headHash" => c with { HeadHash = new string('c', 64) },
            "checkpointedAt" => c with { CheckpointedAt = At.AddSeconds(-1) },
            "signature" => c with { Signature = Convert.ToBase64String(Convert.FromBase64String(c.Signature).Reverse().ToArray()) },
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };

        Assert.Equal(AuditCheckpointFault.BadSignature, AuditCheckpoints.CheckSignature(edited, PublicKeys())?.Fault);
    }

    [Fact]
    public void A_checkpoint_signed_by_another_key_is_not_trusted_whatever_key_id_it_names()
    {
        var forged = AuditCheckpoints.Sign(other, 12, new string('b', 64), At);
        Assert.Equal(AuditCheckpointFault.UnknownKey, AuditCheckpoints.CheckSignature(forged, PublicKeys())?.Fault);

        // It names the real key's id, but the signature is the other key's.
        var claiming = forged with { KeyId = AuditCheckpoints.KeyIdOf(key) };
        Assert.Equal(AuditCheckpointFault.BadSignature, AuditCheckpoints.CheckSignature(claiming, PublicKeys())?.Fault);
        Assert.Equal(AuditCheckpointFault.Malformed, AuditCheckpoints.CheckSignature(forged with { Format = "v0" }, PublicKeys())?.Fault);
    }

    [Fact]
    public void Against_the_log_a_checkpoint_finds_its_record_or_says_it_was_cut_deleted_or_rewritten()
    {
        var chain = AuditChain_Specs_When_several_records_are_bad.Chain(20);
        var stored = chain.ToDictionary(e => e.Sequence, e => e.Hash);
        AuditCheckpointRead Read(string origin, long sequence, string? hash = null) =>
            new(origin, AuditCheckpoints.Sign(key, sequence, hash ?? chain[(int)sequence - 1].Hash, At), null);
        var rechained = AuditChain_Specs_When_several_records_are_bad.Rechain(chain, 5, e => e with { Actor = "mallory" });

        var findings = AuditCheckpointCheck.Check(
            [
                Read("intact", 10),
                new("cut", AuditCheckpoints.Sign(key, 25, new string('d', 64), At), null),
                Read("rewritten", 12, rechained[11].Hash),
                new("torn", null, "'{' is invalid"),
                new("forged", AuditCheckpoints.Sign(other, 10, chain[9].Hash, At), null),
                new("empty", AuditCheckpoints.Sign(key, 0, AuditChain.Genesis, At), null),
            ],
            PublicKeys(), stored.Where(s => s.Key != 7).ToDictionary(), lastSequence: 20);

        Assert.Equal(
            [null, AuditCheckpointFault.Truncated, AuditCheckpointFault.HeadMismatch, AuditCheckpointFault.Malformed, AuditCheckpointFault.UnknownKey, null],
            findings.Select(f => f.Fault));
        Assert.Contains("the log ends at record 20, before it", findings[1].Reason, StringComparison.Ordinal);

        var deleted = AuditCheckpointCheck.Check([Read("deleted", 7)], PublicKeys(), stored.Where(s => s.Key != 7).ToDictionary(), 20);
        Assert.Equal(AuditCheckpointFault.Missing, deleted.Single().Fault);
    }
}
