using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using ModelRegistry.Retention.Rules;
using static ModelRegistry.Domain.Tests.Retention.PlanChecks;

namespace ModelRegistry.Domain.Tests.Retention;

/// <summary>
/// <see cref="RetentionPlanner.Plan"/> over generated registries (<see cref="GeneratedRegistry"/>): keep rules win, deletion
/// only of due archived bytes no remaining version references, each object counted once, the same plan whatever the input
/// order, nothing new to do right after the plan is carried out, and an action's re-check over the version's closure
/// (RetentionFactsQuery.ClosureAsync) decides as the whole plan did.
/// </summary>
public class RetentionPlanner_Properties
{
    private const int Tests = 1_000;

    private static Arbitrary<GeneratedRegistry> Registries => GeneratedRegistry.Arbitrary();

    private static RetentionPlan Plan(GeneratedRegistry r) => RetentionPlanner.Plan(r.Versions, r.Policy, r.Now);

    /// <summary>
    /// What must stay: every version with a keep rule of its own (production, serving, open promotion, held) and every
    /// stored version the plan leaves in the primary store; then, repeatedly, the base of anything that stays (through
    /// deleted versions too: a chain is a chain) and every version that is not deleted and shares an object with
    /// something that stays and is not deleted itself. None of them may be archived or deleted.
    /// </summary>
    [Property(MaxTest = Tests)]
    public Property No_version_a_keep_rule_holds_is_archived_or_deleted() =>
        Prop.ForAll(Registries, r =>
        {
            var plan = Plan(r);
            var acted = plan.Archive.Concat(plan.Delete).ToDictionary(a => a.VersionId);
            foreach (var v in r.Versions.Where(HasOwnKeepRule))
                if (acted.TryGetValue(v.VersionId, out var a)) Assert.Fail($"{a.Action}d though it has a keep rule: {GeneratedRegistry.Describe(v)}");

            foreach (var (id, why) in MustStay(r.Versions, plan))
                if (acted.TryGetValue(id, out var a))
                    Assert.Fail($"{a.Action}d though it must stay ({why}): {GeneratedRegistry.Describe(r.Versions.Single(v => v.VersionId == id))}");
        });

    [Property(MaxTest = Tests)]
    public Property Only_due_archived_bytes_that_no_remaining_version_references_are_deleted() =>
        Prop.ForAll(Registries, r =>
        {
            var plan = Plan(r);
            var byId = r.Versions.ToDictionary(v => v.VersionId);
            var deleted = plan.Delete.Select(a => a.VersionId).ToHashSet();
            foreach (var a in plan.Delete)
            {
                var v = byId[a.VersionId];
                var rule = r.Policy.RuleFor(v.OwnerTeam, v.ModelTags);
                var due = v.State == RetentionState.Archived && rule?.DeleteAfterDays is { } days && v.ArchivedAt!.Value.AddDays(days) <= r.Now;
                Assert.True(due || v.State == RetentionState.Deleting, $"deleted before its delay passed: {GeneratedRegistry.Describe(v)}");
                Assert.Equal(rule?.Name ?? "resume", a.Rule);
                foreach (var o in v.Objects)
                    foreach (var other in r.Versions.Where(x => x.Objects.Any(p => p.Sha256 == o.Sha256)))
                        Assert.True(other.State == RetentionState.Deleted || deleted.Contains(other.VersionId),
                            $"{o.Sha256} deleted with {GeneratedRegistry.Describe(v)} though {GeneratedRegistry.Describe(other)} keeps it");
            }
            foreach (var a in plan.Archive) Assert.Equal(RetentionState.Stored, byId[a.VersionId].State);
        });

    [Property(MaxTest = Tests)]
    public Property Every_version_not_deleted_is_in_the_plan_once_and_each_object_counts_once() =>
        Prop.ForAll(Registries, r =>
        {
            var plan = Plan(r);
            var listed = plan.Archive.Select(a => a.VersionId).Concat(plan.Delete.Select(a => a.VersionId)).Concat(plan.Kept.Select(k => k.VersionId)).ToList();
            Assert.Equal(r.Versions.Where(v => v.State != RetentionState.Deleted).Select(v => v.VersionId).Order(), listed.Order());

            var byId = r.Versions.ToDictionary(v => v.VersionId);
            var inArchive = r.Versions.Where(v => v.State is RetentionState.Archived or RetentionState.Deleting)
                .SelectMany(v => v.Objects).Select(o => o.Sha256).ToHashSet();
            var archived = plan.Archive.SelectMany(a => byId[a.VersionId].Objects).Where(o => !inArchive.Contains(o.Sha256)).Distinct();
            Assert.Equal(archived.Sum(o => o.Size), plan.BytesToArchive);
            Assert.Equal(plan.Delete.SelectMany(a => byId[a.VersionId].Objects).Distinct().Sum(o => o.Size), plan.BytesToDelete);
        });

    [Property(MaxTest = Tests)]
    public Property The_plan_is_the_same_whatever_the_order_of_the_facts() =>
        Prop.ForAll(Registries.Generator.SelectMany(r => Gen.Shuffle(r.Versions.ToArray()), (r, shuffled) => (r, shuffled)).ToArbitrary(), x =>
        {
            var (r, shuffled) = x;
            var plan = Plan(r);
            var again = RetentionPlanner.Plan(shuffled, r.Policy, r.Now);
            Assert.Equal(plan.Archive, again.Archive);
            Assert.Equal(plan.Delete, again.Delete);
            Assert.Equal(plan.Kept, again.Kept);
            Assert.Equal(plan.Kept, Plan(r).Kept);
        });

    /// <summary>Carrying the plan out (archived now, deleted) and planning again at the same time finds nothing to do, and keeps what it kept.</summary>
    [Property(MaxTest = Tests)]
    public Property Planning_again_after_the_plan_is_carried_out_finds_nothing_new() =>
        Prop.ForAll(Registries, r =>
        {
            var plan = Plan(r);
            var after = RetentionPlanner.Plan(Apply(r.Versions, plan, r.Now), r.Policy, r.Now);
            Assert.Empty(after.Archive);
            Assert.Empty(after.Delete);
            var keptAfter = after.Kept.ToDictionary(k => k.VersionId, k => k.Reason);
            foreach (var k in plan.Kept) Assert.Equal(k.Reason, keptAfter.GetValueOrDefault(k.VersionId));
        });

    /// <summary>
    /// The re-check an action makes: planning over the version's closure (its descendants and the versions sharing an object
    /// with it, repeatedly, as RetentionFactsQuery.ClosureAsync reads them) decides for it exactly what the whole plan does,
    /// action or reason kept, for every version.
    /// </summary>
    [Property(MaxTest = Tests)]
    public Property Planning_over_a_versions_closure_decides_for_it_as_the_whole_plan_does() =>
        Prop.ForAll(Registries, r =>
        {
            var plan = Plan(r);
            foreach (var v in r.Versions.Where(v => v.State != RetentionState.Deleted))
            {
                var closure = Closure(r.Versions, v.VersionId);
                var local = RetentionPlanner.Plan(closure, r.Policy, r.Now);
                Assert.Equal(plan.ActionFor(v.VersionId), local.ActionFor(v.VersionId));
                Assert.Equal(plan.KeptReasonOf(v.VersionId), local.KeptReasonOf(v.VersionId));
            }
        });
}
