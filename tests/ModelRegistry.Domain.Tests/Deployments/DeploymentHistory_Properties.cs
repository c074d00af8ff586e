using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using ModelRegistry.Deployments.Rules;
using static ModelRegistry.Domain.Tests.Deployments.DeploymentHistory_Specs;

namespace ModelRegistry.Domain.Tests.Deployments;

/// <summary>
/// The history over generated sequences of deployments, traffic shifts, undeployments, failures and inventory reports
/// on a few deployment ids and digests, with event times drawn from a short span so that ties happen.
/// </summary>
public class DeploymentHistory_Properties
{
    private static readonly string[] Ids = ["d1", "d2", "d3"];
    private static readonly char[] Digests = ['a', 'b', 'c', 'd'];
    private static readonly double[] Shares = [10, 50, 100];

    private static Gen<int> Minute => Gen.Choose(0, 30);

    private static Gen<DeploymentFact> Event() => Gen.Frequency(
        (6, from id in Gen.Elements(Ids) from digest in Gen.Elements(Digests) from share in Gen.Elements(Shares) from minute in Minute
            select Deployed(id, digest, share, minute)),
        (3, from id in Gen.Elements(Ids) from minute in Minute select Undeployed(id, minute)),
        (1, from id in Gen.Elements(Ids) from minute in Minute select Failed(id, minute)),
        (2, from served in Gen.SubListOf(Digests) from share in Gen.Elements(Shares) from minute in Minute
            select Inventory(minute, served.Select(d => (d, share)).ToArray())));

    /// <summary>The events in event-time order once, and as they arrive: shuffled, some of them twice or three times.</summary>
    private static Arbitrary<(List<DeploymentFact> InOrder, DeploymentFact[] Arrived)> Scenario() =>
        (from events in Gen.ListOf(Event())
         let distinct = events.DistinctBy(e => e.Key).ToArray()
         from repeats in Gen.SubListOf(distinct)
         from again in Gen.SubListOf(repeats.ToArray())
         from arrived in Gen.Shuffle(distinct.Concat(repeats).Concat(again).ToArray())
         select (DeploymentHistory.Order(distinct).ToList(), arrived)).ToArbitrary();

    [Property(MaxTest = 500)]
    public Property Shuffled_and_duplicated_events_give_the_history_of_the_events_in_order_once() =>
        Prop.ForAll(Scenario(), s => Assert.Equal(DeploymentHistory.Build(s.InOrder), DeploymentHistory.Build(s.Arrived)));

    [Property(MaxTest = 500)]
    public Property Recording_events_one_at_a_time_as_they_arrive_ends_in_the_history_of_all_of_them() =>
        Prop.ForAll(Scenario(), s =>
        {
            // As the store does: each arrival adds to the endpoint's set of events and the history is rebuilt from the set.
            var stored = new List<DeploymentFact>();
            IReadOnlyList<HistoryInterval> history = [];
            foreach (var e in s.Arrived)
            {
                if (stored.All(x => x.Key != e.Key)) stored.Add(e);
                history = DeploymentHistory.Build(stored);
            }
            Assert.Equal(DeploymentHistory.Build(s.InOrder), history);
        });

    [Property(MaxTest = 500)]
    public Property Every_interval_is_non_empty_and_a_deployment_never_serves_twice_at_once() =>
        Prop.ForAll(Scenario(), s =>
        {
            var history = DeploymentHistory.Build(s.Arrived);
            Assert.All(history, i => Assert.True(i.To is null || i.To > i.From, $"{i.DeploymentId} [{i.From}, {i.To})"));
            foreach (var intervals in history.GroupBy(i => i.DeploymentId))
            {
                var ordered = intervals.OrderBy(i => i.From).ToList();
                for (var k = 1; k < ordered.Count; k++)
                    Assert.True(ordered[k - 1].To is { } end && end <= ordered[k].From, $"{intervals.Key} overlaps itself at {ordered[k].From}");
            }
        });

    /// <summary>
    /// Event time, not arrival time: the history of the events up to an instant T is the full history seen at T
    /// (intervals that began by T, those still serving at T open).
    /// </summary>
    [Property(MaxTest = 500)]
    public Property The_history_up_to_an_instant_depends_only_on_the_events_up_to_it() =>
        Prop.ForAll(Scenario(), Minute.ToArbitrary(), (s, minute) =>
        {
            var t = At(minute);
            var full = DeploymentHistory.Build(s.Arrived);
            var seenAtT = full.Where(i => i.From <= t).Select(i => i.To > t ? i with { To = null, ClosedBy = null } : i)
                .OrderBy(i => i.From.UtcTicks).ThenBy(i => i.DeploymentId, StringComparer.Ordinal).ThenBy(i => i.To?.UtcTicks ?? long.MaxValue);
            Assert.Equal(seenAtT, DeploymentHistory.Build(s.Arrived.Where(e => e.At <= t)));
        });
}
