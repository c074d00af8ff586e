using System.Globalization;
using ModelRegistry.Platform.Audit;

namespace ModelRegistry.Domain.Tests.Audit;

/// <summary>Verify reports every fault: after a bad record it goes on from that record's stored hash.</summary>
public sealed class AuditChain_Specs_When_several_records_are_bad
{
    private static readonly DateTimeOffset At = new(2024, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Independent_edits_are_each_reported_with_their_sequence_and_kind()
    {
        var chain = Chain(40);
        chain[4] = chain[4] with { Actor = "mallory" };                                  // 5: content changed
        var recomputed = chain[11] with { Action = "approval.accepted" };
        chain[11] = recomputed with { Hash = AuditChain.ComputeHash(recomputed) };        // 12: changed, hash recomputed -> 13's link
        chain.RemoveAt(19);                                                               // 20: deleted
        chain[^5] = chain[^5] with { DetailsJson = "{not json" };                          // 36: malformed

        var result = AuditChain.Verify(chain);

        Assert.False(result.Ok);
        Assert.Equal(
            [(5L, AuditFault.HashMismatch), (13L, AuditFault.WrongPreviousHash), (20L, AuditFault.Gap), (36L, AuditFault.Malformed)],
            result.Faults.Select(f => (f.Sequence, f.Fault)));
        Assert.Equal(4, result.FaultCount);
        Assert.Equal("record 20 is missing: the record after 19 is 21", result.Faults[2].Reason);
        Assert.Equal((39L, 35L, 40L), (result.Read, result.Verified, result.LastSequence)); // 5, 13, 21 (its link unchecked), 36 are not
        Assert.Equal(chain[^1].Hash, result.LastHash);
    }

    [Fact]
    public void A_forged_record_after_which_verify_used_to_stop_does_not_hide_a_later_edit()
    {
        var chain = Chain(20);
        chain[2] = chain[2] with { Hash = new string('a', 64) };   // 3: the stored hash is not its hash; 4 names the true one
        chain[15] = chain[15] with { Subject = "sentiment/99" };  // 16: an edit further on

        var result = AuditChain.Verify(chain);

        Assert.Equal(
            [(3L, AuditFault.HashMismatch), (4L, AuditFault.WrongPreviousHash), (16L, AuditFault.HashMismatch)],
            result.Faults.Select(f => (f.Sequence, f.Fault)));
    }

    [Fact]
    public void A_record_with_a_wrong_link_and_a_wrong_hash_has_both_faults_and_the_walk_goes_on()
    {
        var chain = Chain(10);
        chain[5] = chain[5] with { PreviousHash = new string('1', 64), Actor = "mallory" };

        var result = AuditChain.Verify(chain);

        Assert.Equal([(6L, AuditFault.WrongPreviousHash), (6L, AuditFault.HashMismatch)], result.Faults.Select(f => (f.Sequence, f.Fault)));
        Assert.Equal(9, result.Verified);
    }

    [Fact]
    public void A_whole_log_rechained_from_a_record_on_is_intact_in_itself_which_is_what_checkpoints_are_for()
    {
        var chain = Chain(30);
        var rewritten = Rechain(chain, from: 10, e => e with { Actor = "mallory" });

        var result = AuditChain.Verify(rewritten);

        Assert.True(result.Ok);
        Assert.NotEqual(chain[^1].Hash, result.LastHash);
    }

    [Fact]
    public void The_list_is_bounded_and_the_count_is_not()
    {
        var chain = Chain(AuditChainVerifier.MaxListedFaults + 50);
        for (var i = 0; i < chain.Count; i++) chain[i] = chain[i] with { Actor = "mallory" };

        var result = AuditChain.Verify(chain);

        Assert.Equal(AuditChainVerifier.MaxListedFaults, result.Faults.Count);
        Assert.Equal(chain.Count, result.FaultCount);
    }

    /// <summary><paramref name="chain"/> with records from <paramref name="from"/> (a sequence) on changed and every later hash recomputed.</summary>
    internal static List<AuditEntry> Rechain(List<AuditEntry> chain, int from, Func<AuditEntry, AuditEntry> change)
    {
        var result = chain.Take(from - 1).ToList();
        var previous = result.Count == 0 ? AuditChain.Genesis : result[^1].Hash;
        foreach (var e in chain.Skip(from - 1))
        {
            var changed = change(e) with { PreviousHash = previous };
            changed = changed with { Hash = AuditChain.ComputeHash(changed) };
            result.Add(changed);
            previous = changed.Hash;
        }
        return result;
    }

    internal static List<AuditEntry> Chain(int count)
    {
        var chain = new List<AuditEntry>(count);
        var previous = AuditChain.Genesis;
        for (var n = 1; n <= count; n++)
        {
            var entry = AuditChain.Create(n, previous, At.AddMilliseconds(n), "alice", "version.registered", "model_version", $"sentiment/{n}",
                "sentiment", string.Create(CultureInfo.InvariantCulture, $"{{\"n\":{n}}}"));
            chain.Add(entry);
            previous = entry.Hash;
        }
        return chain;
    }
}
