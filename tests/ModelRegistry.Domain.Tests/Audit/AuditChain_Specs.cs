using System.Globalization;
using ModelRegistry.Platform.Audit;

namespace ModelRegistry.Domain.Tests.Audit;

public class AuditChain_Specs
{
    private static readonly DateTimeOffset At = new(2024, 6, 1, 12, 0, 0, TimeSpan.Zero);

    // Computed independently of this code:
    // python3 -c 'import hashlib
    // def f(v):
    //     if v is None: return b"-\n"
    //     b = v.encode(); return b"%d:%s\n" % (len(b), b)
    // d = "{\"a\":{\"z\":null,\"é\":true},\"b\":[1.50,100,\"x\\ny\"],\"digest\":\"sha256:ab\",\"version\":1}"
    // c = b"mreg-audit-v1\n" + b"".join(f(x) for x in ["1","2024-06-01T12:00:00.123456Z","alice","version.registered",
    //     "model_version","sentiment/1","sentiment",d,"0"*64])
    // h1 = hashlib.sha256(c).hexdigest(); print(h1)
    // c2 = b"mreg-audit-v1\n" + b"".join(f(x) for x in ["2","2024-06-01T12:00:01.000000Z","svc:registration",
    //     "evaluation.recorded","evaluation","e-1",None,"{}",h1])
    // print(hashlib.sha256(c2).hexdigest())'
    private const string FirstHash = "2bb562d3bd89b6cf4610d078d404349f01476d8ba5934c55d3cdfb4b416b837e";
    private const string SecondHash = "db716b1f25a2dd738581fe9b5a8ff1d804a7cf9f72d526d5d04f390abdfdfb10";

    // The same details as the vector, written the way a client or jsonb might: other order, whitespace, escapes, exponent.
    private const string LooseDetails = """ { "version" : 1, "digest": "sha256:ab", "b": [1.50, 1e2, "x\ny"], "a": {"\u00e9": true, "z": null} } """;
    private const string CanonicalVectorDetails = """{"a":{"z":null,"é":true},"b":[1.50,100,"x\ny"],"digest":"sha256:ab","version":1}""";

    [Fact]
    public void The_canonical_form_and_hash_are_pinned_by_a_known_vector()
    {
        var recordedAt = At.AddTicks(1_234_567); // .1234567: the seventh digit is below PostgreSQL's precision

        var canonical = AuditChain.Canonical(1, recordedAt, "alice", "version.registered", "model_version", "sentiment/1", "sentiment",
            LooseDetails, AuditChain.Genesis);

        Assert.Equal(
            "mreg-audit-v1\n1:1\n27:2024-06-01T12:00:00.123456Z\n5:alice\n18:version.registered\n13:model_version\n11:sentiment/1\n" +
            "9:sentiment\n81:" + CanonicalVectorDetails + "\n64:" + AuditChain.Genesis + "\n",
            canonical);
        var first = AuditChain.Create(1, AuditChain.Genesis, recordedAt, "alice", "version.registered", "model_version", "sentiment/1",
            "sentiment", LooseDetails);
        Assert.Equal(FirstHash, first.Hash);
        Assert.Equal(CanonicalVectorDetails, first.DetailsJson);

        // No model: the field is "-\n"; the second record names the first one's hash.
        var second = AuditChain.Create(2, first.Hash, At.AddSeconds(1), "svc:registration", "evaluation.recorded", "evaluation", "e-1",
            null, "{}");
        Assert.Equal(SecondHash, second.Hash);
        Assert.True(AuditChain.Verify([first, second]).Ok);
    }

    [Fact]
    public void Details_member_order_whitespace_and_escapes_do_not_change_the_hash()
    {
        string[] sameDetails =
        [
            """{"model":"m","version":3,"gates":{"accuracy":0.91,"bias":[1,2]}}""",
            """{"version":3,"gates":{"bias":[1,2],"accuracy":0.91},"model":"m"}""",
            // What PostgreSQL's jsonb prints: keys by length then bytes, a space after ':' and ','.
            """{"model": "m", "gates": {"bias": [1, 2], "accuracy": 0.91}, "version": 3}""",
            "{\n  \"model\": \"\\u006d\",\n  \"version\": 3e0,\n  \"gates\": { \"accuracy\": 91e-2, \"bias\": [ 1 , 2 ] }\n}",
        ];

        var hashes = sameDetails.Select(d => Hash(details: d)).Distinct().ToList();

        Assert.Single(hashes);
        Assert.Equal("""{"gates":{"accuracy":0.91,"bias":[1,2]},"model":"m","version":3}""", AuditChain.CanonicalDetails(sameDetails[2]));
        Assert.NotEqual(hashes[0], Hash(details: """{"model":"m","version":4,"gates":{"accuracy":0.91,"bias":[1,2]}}"""));
        Assert.NotEqual(hashes[0], Hash(details: """{"model":"m","version":3,"gates":{"accuracy":0.91,"bias":[2,1]}}"""));
    }

    // Each expected value is what PostgreSQL 15 prints for the number inside jsonb, so a round trip changes nothing:
    // psql -c "select '[1e2, 1.50, -0, -0.0, 1.5e1, 1.50e1, 12e-1, 0.000e5, 1.5e-3, -0.00e-2, 100E-2, 1E+2, -1.5e-1]'::jsonb"
    [Theory]
    [InlineData("1e2", "100")]
    [InlineData("1.50", "1.50")]
    [InlineData("-0", "0")]
    [InlineData("-0.0", "0.0")]
    [InlineData("1.5e1", "15")]
    [InlineData("1.50e1", "15.0")]
    [InlineData("12e-1", "1.2")]
    [InlineData("0.000e5", "0")]
    [InlineData("1.5e-3", "0.0015")]
    [InlineData("-0.00e-2", "0.0000")]
    [InlineData("100E-2", "1.00")]
    [InlineData("1E+2", "100")]
    [InlineData("-1.5e-1", "-0.15")]
    [InlineData("0", "0")]
    [InlineData("-7", "-7")]
    [InlineData("123456789012345678901234567890.000000000000000000001", "123456789012345678901234567890.000000000000000000001")]
    public void Numbers_are_written_as_postgresql_numeric_prints_them(string written, string canonical)
    {
        Assert.Equal($"[{canonical}]", AuditChain.CanonicalDetails($"[{written}]"));
        Assert.Equal($"[{canonical}]", AuditChain.CanonicalDetails($"[{canonical}]"));
    }

    [Theory]
    [InlineData("\"a\\/b\"", "\"a/b\"")]
    [InlineData("\"\\u00e9\\ud83d\\ude00\"", "\"é😀\"")]
    [InlineData("\"tab\\tnl\\nquote\\\"bs\\\\\"", "\"tab\\tnl\\nquote\\\"bs\\\\\"")]
    [InlineData("\"\\u001F\\u0001\\b\\f\\r\"", "\"\\u001f\\u0001\\b\\f\\r\"")]
    [InlineData("\"\\u007f\\u2028\"", "\"\u007f\u2028\"")]
    [InlineData("{\"b\":1,\"a\":2,\"b\":3}", "{\"a\":2,\"b\":3}")]
    [InlineData("{\"é\":1,\"z\":2,\"Z\":3,\"\\uD83D\\uDE00\":4,\"\\uFB01\":5}", "{\"Z\":3,\"z\":2,\"é\":1,\"ﬁ\":5,\"😀\":4}")]
    [InlineData(" [ true , false , null , [ ] , { } ] ", "[true,false,null,[],{}]")]
    public void Strings_and_names_are_written_one_way_and_sorted_by_code_point(string written, string canonical)
    {
        // Code point order puts U+1F600 after U+FB01; UTF-16 ordinal order would not (surrogates are 0xD83D < 0xFB01).
        Assert.Equal(canonical, AuditChain.CanonicalDetails(written));
        Assert.Equal(canonical, AuditChain.CanonicalDetails(canonical));
    }

    [Theory]
    [InlineData("{\"a\":\"\\u0000\"}")]
    [InlineData("{\"\\u0000\":1}")]
    [InlineData("{\"a\":\"\\ud800\"}")]
    [InlineData("[1e1001]")]
    [InlineData("{\"a\":1,}")]
    [InlineData("{} {}")]
    [InlineData("")]
    [InlineData("{'a':1}")]
    public void Details_that_jsonb_could_not_store_the_same_way_are_refused(string written)
    {
        Assert.Throws<FormatException>(() => AuditChain.CanonicalDetails(written));
    }

    [Fact]
    public void The_time_is_hashed_in_utc_at_microsecond_precision()
    {
        var instant = At.AddTicks(1_234_567);

        Assert.Equal(Hash(at: At.AddTicks(1_234_560)), Hash(at: instant));
        Assert.Equal(Hash(at: instant), Hash(at: instant.ToOffset(TimeSpan.FromHours(2))));
        Assert.NotEqual(Hash(at: instant), Hash(at: instant.AddTicks(10)));
        Assert.Equal("2024-06-01T12:00:00.123456Z", AuditChain.FormatTimestamp(instant.ToOffset(TimeSpan.FromHours(-5))));

        var entry = AuditChain.Create(1, AuditChain.Genesis, instant.ToOffset(TimeSpan.FromHours(2)), "a", "b", "c", "d", null, "{}");
        Assert.Equal(At.AddTicks(1_234_560), entry.RecordedAt);
        Assert.Equal(TimeSpan.Zero, entry.RecordedAt.Offset);
    }

    [Fact]
    public void Values_cannot_be_shifted_between_fields()
    {
        // Plain lines would make these two the same bytes; the length prefix keeps them apart.
        Assert.NotEqual(Hash(actor: "alice\napprove", action: "x"), Hash(actor: "alice", action: "approve\nx"));
        Assert.NotEqual(Hash(model: null), Hash(model: "-"));
        Assert.NotEqual(Hash(model: null), Hash(model: ""));
    }

    [Fact]
    public void An_intact_chain_verifies_and_reports_its_last_record()
    {
        var chain = Chain(50);

        var result = AuditChain.Verify(chain);

        Assert.True(result.Ok);
        Assert.Equal(50, result.Verified);
        Assert.Equal(50, result.LastSequence);
        Assert.Equal(chain[^1].Hash, result.LastHash);
        Assert.Null(result.FirstBadSequence);

        var empty = AuditChain.Verify([]);
        Assert.True(empty.Ok);
        Assert.Equal((0L, 0L, AuditChain.Genesis), (empty.Verified, empty.LastSequence, empty.LastHash));
    }

    public static TheoryData<string> Fields => new("RecordedAt", "Actor", "Action", "SubjectType", "Subject", "ModelName", "DetailsJson");

    [Theory]
    [MemberData(nameof(Fields))]
    public void A_changed_field_is_named_by_its_sequence(string field)
    {
        var chain = Chain(20);
        var e = chain[11];
        chain[11] = field switch
        {
            "RecordedAt" => e with { RecordedAt = e.RecordedAt.AddTicks(10) },
            "Actor" => e with { Actor = "mallory" },
            "Action" => e with { Action = "approval.accepted" },
            "SubjectType" => e with { SubjectType = "x" },
            "Subject" => e with { Subject = e.Subject + "0" },
            "ModelName" => e with { ModelName = null },
            "DetailsJson" => e with { DetailsJson = e.DetailsJson.Replace("\"n\":12", "\"n\":13", StringComparison.Ordinal) },
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };

        var result = AuditChain.Verify(chain);

        Assert.Equal(12, result.FirstBadSequence);
        Assert.Equal(AuditFault.HashMismatch, result.Fault);
        Assert.Equal(1, result.FaultCount); // the next record names the stored hash: the walk goes on from it
        Assert.Equal(chain.Count - 1, result.Verified);
        Assert.Equal(chain[^1].Hash, result.LastHash);
        Assert.Contains("record 12", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Details_rewritten_as_jsonb_prints_them_still_verify()
    {
        var chain = Chain(3);
        chain[1] = chain[1] with { DetailsJson = """{"n": 2, "note": "entry 2", "gates": {"f1": 0.50, "ok": true}}""" };

        Assert.True(AuditChain.Verify(chain).Ok);
    }

    [Fact]
    public void A_removed_record_is_named_as_missing()
    {
        var chain = Chain(20);
        chain.RemoveAt(6); // sequence 7

        var result = AuditChain.Verify(chain);

        Assert.Equal(7, result.FirstBadSequence);
        Assert.Equal(AuditFault.Gap, result.Fault);
        Assert.Equal((1L, 18L, 20L), (result.FaultCount, result.Verified, result.LastSequence)); // 8's link cannot be checked
        Assert.Equal("record 7 is missing: the record after 6 is 8", result.Reason);

        chain.RemoveRange(6, 3); // 8, 9, 10 as well
        Assert.Equal("records 7 to 10 are missing: the record after 6 is 11", AuditChain.Verify(chain).Reason);
    }

    [Fact]
    public void A_reordered_pair_is_detected_whether_the_sequence_numbers_move_or_stay()
    {
        var chain = Chain(10);

        // Out of sequence order: 1 2 3 5 4 6...
        var swapped = chain.ToList();
        (swapped[3], swapped[4]) = (swapped[4], swapped[3]);
        var result = AuditChain.Verify(swapped);
        Assert.Equal((4L, AuditFault.Gap), (result.FirstBadSequence, result.Fault));

        // Contents exchanged, sequence numbers kept: record 4 now carries what was written as record 5.
        var exchanged = chain.ToList();
        exchanged[3] = chain[4] with { Sequence = 4 };
        exchanged[4] = chain[3] with { Sequence = 5 };
        result = AuditChain.Verify(exchanged);
        Assert.Equal((4L, AuditFault.WrongPreviousHash), (result.FirstBadSequence, result.Fault));

        // A record repeated.
        var repeated = chain.Take(5).Append(chain[4]).Concat(chain.Skip(5)).ToList();
        result = AuditChain.Verify(repeated);
        Assert.Equal((6L, AuditFault.OutOfOrder), (result.FirstBadSequence, result.Fault));
    }

    [Fact]
    public void A_forged_hash_is_detected_at_the_record_or_at_the_next_link()
    {
        var chain = Chain(10);

        // A stored hash replaced by another value.
        var forged = chain.ToList();
        forged[4] = chain[4] with { Hash = new string('a', 64) };
        var result = AuditChain.Verify(forged);
        Assert.Equal((5L, AuditFault.HashMismatch), (result.FirstBadSequence, result.Fault));

        // A record changed and its hash recomputed: it is consistent in itself, but record 6 still names the old hash.
        var rewritten = chain.ToList();
        var changed = chain[4] with { Actor = "mallory" };
        rewritten[4] = changed with { Hash = AuditChain.ComputeHash(changed) };
        result = AuditChain.Verify(rewritten);
        Assert.Equal((6L, AuditFault.WrongPreviousHash), (result.FirstBadSequence, result.Fault));
        Assert.Equal((1L, 10L), (result.FaultCount, result.LastSequence));

        // The same hash in uppercase is not the canonical hash.
        var upper = chain.ToList();
        upper[2] = chain[2] with { Hash = chain[2].Hash.ToUpperInvariant() };
        Assert.Equal((3L, AuditFault.HashMismatch), (AuditChain.Verify(upper).FirstBadSequence, AuditChain.Verify(upper).Fault));

        // A chain must start at genesis.
        var rooted = chain.ToList();
        rooted[0] = chain[0] with { PreviousHash = new string('1', 64) };
        Assert.Equal((1L, AuditFault.WrongPreviousHash), (AuditChain.Verify(rooted).FirstBadSequence, AuditChain.Verify(rooted).Fault));
    }

    [Fact]
    public void Details_that_are_not_json_make_the_record_malformed()
    {
        var chain = Chain(4);
        chain[2] = chain[2] with { DetailsJson = "{not json" };

        var result = AuditChain.Verify(chain);

        Assert.Equal((3L, AuditFault.Malformed), (result.FirstBadSequence, result.Fault));
    }

    [Fact]
    public void Verification_can_start_after_a_record_known_to_be_good()
    {
        var chain = Chain(30);
        var verifier = new AuditChainVerifier(afterSequence: 10, afterHash: chain[9].Hash);

        foreach (var entry in chain.Skip(10)) Assert.True(verifier.Add(entry));

        Assert.True(verifier.Result.Ok);
        Assert.Equal((20L, 30L), (verifier.Result.Verified, verifier.Result.LastSequence));
        var wrongAnchor = new AuditChainVerifier(afterSequence: 10, afterHash: chain[8].Hash);
        Assert.False(wrongAnchor.Add(chain[10]));
        Assert.Equal(AuditFault.WrongPreviousHash, wrongAnchor.Result.Fault);
    }

    private static string Hash(DateTimeOffset? at = null, string actor = "alice", string action = "version.registered",
        string? model = "sentiment", string details = "{}") =>
        AuditChain.ComputeHash(1, at ?? At, actor, action, "model_version", "sentiment/1", model, details, AuditChain.Genesis);

    private static List<AuditEntry> Chain(int count)
    {
        var chain = new List<AuditEntry>(count);
        var previous = AuditChain.Genesis;
        for (var n = 1; n <= count; n++)
        {
            var entry = AuditChain.Create(n, previous, At.AddMilliseconds(n * 1.5), n % 3 == 0 ? "svc:registration" : "alice",
                n % 2 == 0 ? "version.registered" : "stage.changed", "model_version", $"sentiment/{n}", n % 5 == 0 ? null : "sentiment",
                string.Create(CultureInfo.InvariantCulture, $"{{\"note\":\"entry {n}\",\"n\":{n},\"gates\":{{\"ok\":true,\"f1\":0.50}}}}"));
            chain.Add(entry);
            previous = entry.Hash;
        }
        return chain;
    }
}
