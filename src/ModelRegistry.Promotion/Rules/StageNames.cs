using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>The lowercase wire and configuration names of <see cref="Stage"/>.</summary>
public static class StageNames
{
    public static readonly IReadOnlyList<string> All = ["registered", "staging", "shadow", "canary", "production", "retired"];

    public static string Format(Stage stage) =>
        (int)stage >= 0 && (int)stage < All.Count
            ? All[(int)stage]
            : throw new ArgumentOutOfRangeException(nameof(stage), stage, "not a stage");

    /// <summary>Exact lowercase names only: "Production" is not a stage name.</summary>
    public static bool TryParse(string? text, out Stage stage)
    {
        for (var i = 0; i < All.Count; i++)
        {
            if (string.Equals(All[i], text, StringComparison.Ordinal))
            {
                stage = (Stage)i;
                return true;
            }
        }
        stage = default;
        return false;
    }

    public static Stage Parse(string text) =>
        TryParse(text, out var stage) ? stage : throw new FormatException($"'{text}' is not one of {string.Join(", ", All)}");

    /// <summary>A stage that at most one version of a model holds at a time.</summary>
    public static bool IsExclusive(Stage stage) => stage == Stage.Production;
}
