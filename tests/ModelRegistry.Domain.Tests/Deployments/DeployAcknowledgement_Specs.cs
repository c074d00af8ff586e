using ModelRegistry.Deployments.Rules;

namespace ModelRegistry.Domain.Tests.Deployments;

/// <summary>Which ModelDeployed acknowledges which deploy instruction (docs/deployments.md, "Acknowledgement").</summary>
public class DeployAcknowledgement_Specs
{
    private static readonly DateTimeOffset Issued = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly string Digest = "sha256:" + new string('a', 64);
    private static readonly string Other = "sha256:" + new string('b', 64);
    private static readonly InstructionFact Instruction = new(Guid.Parse("11111111-1111-1111-1111-111111111111"), Digest, Issued);

    private static DeployedFact Deployed(string environment = "production", string? digest = null, double minutes = 1, Guid? instruction = null,
        string endpoint = "fraud.prod-eu", string deployment = "d-1") =>
        new(deployment, endpoint, environment, digest ?? Digest, Issued.AddMinutes(minutes), instruction);

    [Fact]
    public void A_deployment_naming_the_instruction_acknowledges_it_in_any_environment_and_even_with_an_earlier_clock()
    {
        Assert.True(DeployAcknowledgement.Acknowledges(Instruction, Deployed("prod-eu", minutes: -3, instruction: Instruction.InstructionId)));
    }

    [Fact]
    public void Without_the_instruction_id_the_same_digest_in_production_at_or_after_the_issue_acknowledges_it()
    {
        Assert.True(DeployAcknowledgement.Acknowledges(Instruction, Deployed(minutes: 0)));
        Assert.True(DeployAcknowledgement.Acknowledges(Instruction, Deployed(minutes: 30)));
    }

    [Theory]
    [InlineData("staging", 1)]
    [InlineData("production", -0.001)]
    public void Without_the_instruction_id_another_environment_or_an_earlier_deployment_does_not(string environment, double minutes)
    {
        Assert.False(DeployAcknowledgement.Acknowledges(Instruction, Deployed(environment, minutes: minutes)));
    }

    [Fact]
    public void A_deployment_of_another_artifact_never_acknowledges_even_when_it_names_the_instruction()
    {
        Assert.False(DeployAcknowledgement.Acknowledges(Instruction, Deployed(digest: Other, instruction: Instruction.InstructionId)));
        Assert.False(DeployAcknowledgement.Acknowledges(Instruction, Deployed(digest: Other)));
    }

    [Fact]
    public void A_deployment_naming_another_instruction_still_acknowledges_by_digest_in_production()
    {
        Assert.True(DeployAcknowledgement.Acknowledges(Instruction, Deployed(instruction: Guid.NewGuid())));
        Assert.False(DeployAcknowledgement.Acknowledges(Instruction, Deployed("staging", instruction: Guid.NewGuid())));
    }

    [Fact]
    public void The_acknowledgement_is_the_earliest_acknowledging_deployment_whatever_the_order_given()
    {
        var late = Deployed(minutes: 9, endpoint: "a", deployment: "late");
        var first = Deployed(minutes: 2, endpoint: "z", deployment: "first");
        var tieB = Deployed(minutes: 2, endpoint: "z", deployment: "second");
        var staging = Deployed("staging", minutes: 1, deployment: "staging");

        foreach (var order in new[] { new[] { late, first, tieB, staging }, [staging, tieB, first, late], [tieB, late, staging, first] })
            Assert.Equal("first", DeployAcknowledgement.First(Instruction, order)?.DeploymentId);
        Assert.Null(DeployAcknowledgement.First(Instruction, [staging]));
    }

    [Fact]
    public void An_acknowledged_instruction_takes_a_deployment_only_when_it_happened_earlier()
    {
        var at = Issued.AddMinutes(5);
        Assert.True(DeployAcknowledgement.Replaces(Instruction, null, Deployed(minutes: 7)));
        Assert.True(DeployAcknowledgement.Replaces(Instruction, at, Deployed(minutes: 4)));
        Assert.False(DeployAcknowledgement.Replaces(Instruction, at, Deployed(minutes: 5)));
        Assert.False(DeployAcknowledgement.Replaces(Instruction, at, Deployed("staging", minutes: 4)));
    }

    [Theory]
    [InlineData(true, -1, false, AcknowledgementState.Acknowledged)]
    [InlineData(true, -1, true, AcknowledgementState.Acknowledged)]
    [InlineData(false, 1, false, AcknowledgementState.Pending)]
    [InlineData(false, 0, false, AcknowledgementState.Overdue)]
    [InlineData(false, -1, false, AcknowledgementState.Overdue)]
    [InlineData(false, -1, true, AcknowledgementState.ViolationRaised)]
    public void The_state_of_an_instruction(bool acknowledged, int dueInMinutes, bool raised, AcknowledgementState expected)
    {
        var now = Issued.AddHours(1);
        var state = AcknowledgementStates.Of(acknowledged ? Issued : null, now.AddMinutes(dueInMinutes), raised ? now.AddMinutes(-1) : null, now);
        Assert.Equal(expected, state);
        Assert.Equal(expected == AcknowledgementState.Overdue,
            AcknowledgementStates.NeedsViolation(acknowledged ? Issued : null, now.AddMinutes(dueInMinutes), raised ? now.AddMinutes(-1) : null, now));
    }
}
