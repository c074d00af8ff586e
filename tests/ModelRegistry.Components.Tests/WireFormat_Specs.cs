using System.Diagnostics;
using System.Text.Json;
using MassTransit.Serialization;
using ModelRegistry.Contracts;

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
        nameof(ModelRegistrationRejected), nameof(EvaluationCompleted), nameof(EvaluationRecorded), nameof(EvaluationRejected));

    [Theory]
    [MemberData(nameof(Messages))]
    public void Each_documented_example_reads_into_its_contract_with_nothing_left_over(string message)
    {
        var type = typeof(RunProbe).Assembly.GetType($"ModelRegistry.Contracts.{message}")!;
        var json = File.ReadAllText(Path.Combine(Repo, "docs/examples", message + ".json"));
        var value = JsonSerializer.Deserialize(json, type, Strict);
        Assert.NotNull(value);
        Assert.Contains(File.ReadAllText(Path.Combine(Repo, "docs/examples", message + ".json")).Trim(), File.ReadAllText(Path.Combine(Repo, "docs/messages.md")));
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
