using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using MassTransit;
using MassTransit.Serialization;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Contracts.Retention;

namespace ModelRegistry.Components.Tests;

/// <summary>The documented wire format (docs/messages.md, docs/examples, docs/schemas) matches the contracts.</summary>
public class WireFormat_Specs
{
    private static readonly string Repo = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));

    // MassTransit's own options, as the raw JSON deserializer uses them, but strict about unknown
    // fields so that a misspelt example fails here.
    private static readonly JsonSerializerOptions Strict = new(SystemTextJsonMessageSerializer.Options)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    public static TheoryData<string> Messages => new(
        nameof(RunProbe), nameof(ProbeCompleted), nameof(ModelTrained), nameof(ModelVersionRegistered),
        nameof(ModelRegistrationRejected), nameof(ChangeModelGovernance), nameof(ModelGovernanceChanged), nameof(ModelGovernanceRejected),
        nameof(EvaluationCompleted), nameof(EvaluationRecorded), nameof(EvaluationRejected),
        nameof(RequestPromotion), nameof(CancelPromotion), nameof(ResendApprovalRequest), nameof(ApprovalRequested), nameof(ApprovalDecided), nameof(ApprovalRefused),
        nameof(ModelVersionPromoted), nameof(PromotionRejected), nameof(PromotionCancelled), nameof(DeployModelVersion),
        nameof(RequestRollback), nameof(ModelVersionRolledBack), nameof(RollbackRejected), nameof(PromotionEvaluationArrived),
        nameof(PromotionDeadlineReached), nameof(ModelDeployed), nameof(ModelUndeployed), nameof(DeploymentFailed),
        nameof(EndpointInventoryReported), nameof(CheckDeploymentAdmission), nameof(DeploymentAdmitted), nameof(DeploymentDenied),
        nameof(AdoptShadowModel), nameof(DismissShadowModel), nameof(ShadowModelTriaged), nameof(DeploymentRecorded),
        nameof(DeploymentEventRejected), nameof(UnregisteredModelDetected), nameof(PolicyViolationDetected), nameof(DiscoveryAuditCompleted), nameof(DiscoveryAuditDue),
        nameof(AuditCheckpoint), nameof(AuditCheckpointDue),
        nameof(RunRetentionSweep), nameof(ArchiveModelVersion), nameof(DeleteArchivedArtifact), nameof(PlaceLegalHold), nameof(ReleaseLegalHold),
        nameof(StorageReportDue), nameof(RetentionSweepPlanned), nameof(ModelVersionArchived), nameof(ArchivedArtifactDeleted),
        nameof(RetentionActionSkipped), nameof(LegalHoldChanged), nameof(StorageReportGenerated));

    // Documented elsewhere: AuditRecorded in docs/audit.md.
    private static readonly string[] NotInMessagesDoc = [nameof(AuditRecorded)];

    private static Type ContractOf(string message) =>
        typeof(RunProbe).Assembly.GetTypes().Single(t => t.Name == message && t.Namespace!.StartsWith("ModelRegistry.Contracts", StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(Messages))]
    public void Each_documented_example_reads_into_its_contract_with_nothing_left_over(string message)
    {
        var type = ContractOf(message);
        var json = File.ReadAllText(Path.Combine(Repo, "docs/examples", message + ".json"));
        var value = JsonSerializer.Deserialize(json, type, Strict);
        Assert.NotNull(value);
        Assert.Contains(File.ReadAllText(Path.Combine(Repo, "docs/examples", message + ".json")).Trim(), File.ReadAllText(Path.Combine(Repo, "docs/messages.md")));
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void The_documented_exchange_is_the_contracts_entity_name(string message)
    {
        var exchange = ContractOf(message).GetCustomAttribute<EntityNameAttribute>()!.EntityName;
        var row = File.ReadAllLines(Path.Combine(Repo, "docs/messages.md")).Single(l => l.StartsWith($"| [{message}](", StringComparison.Ordinal));
        Assert.Equal(exchange, row.Split('|')[3].Trim().Trim('`'));
    }

    [Fact]
    public void Every_message_with_an_exchange_is_documented()
    {
        var documented = Messages.Cast<object[]>().Select(m => (string)m[0]).Concat(NotInMessagesDoc).ToHashSet();
        var undocumented = typeof(RunProbe).Assembly.GetTypes()
            .Where(t => t.GetCustomAttribute<EntityNameAttribute>() is not null && !documented.Contains(t.Name))
            .Select(t => t.Name).ToList();
        Assert.Empty(undocumented);
    }

    [Fact]
    public void Examples_validate_against_their_schemas_and_the_bad_examples_do_not()
    {
        var info = new ProcessStartInfo("/usr/bin/python3", [Path.Combine(Repo, "tests/clients/validate_examples.py")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Repo,
        };
        using var python = Process.Start(info)!;
        var output = python.StandardOutput.ReadToEnd() + python.StandardError.ReadToEnd();
        python.WaitForExit();
        Assert.True(python.ExitCode == 0, output);
        Assert.Contains("0 failures", output);
    }
}
