using ModelRegistry.Deployments.Rules;

namespace ModelRegistry.Domain.Tests.Deployments;

public class StageAtInstant_Specs
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static readonly (DateTimeOffset, string)[] History =
    [
        (T0, "staging"),
        (T0.AddHours(1), "production"),
        (T0.AddHours(5), "retired"),
    ];

    [Fact]
    public void Before_any_change_a_version_is_registered() =>
        Assert.Equal("registered", StageAtInstant.Of(History, T0.AddTicks(-1)));

    [Fact]
    public void A_stage_holds_from_the_instant_it_changed_to_the_next_change() =>
        Assert.Equal(["staging", "staging", "production", "production", "retired"],
            new[] { T0, T0.AddHours(1).AddTicks(-1), T0.AddHours(1), T0.AddHours(5).AddTicks(-1), T0.AddHours(5) }.Select(t => StageAtInstant.Of(History, t)));

    [Fact]
    public void The_order_of_the_changes_does_not_matter() =>
        Assert.Equal("production", StageAtInstant.Of(History.Reverse(), T0.AddHours(2)));

    [Fact]
    public void Of_changes_at_the_same_instant_the_later_one_wins() =>
        Assert.Equal("production", StageAtInstant.Of([(T0, "staging"), (T0, "production")], T0));

    [Fact]
    public void No_changes_means_registered() =>
        Assert.Equal("registered", StageAtInstant.Of([], T0));
}
