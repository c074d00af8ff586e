using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>One problem in a promotion policy file. <paramref name="Line"/> and <paramref name="Column"/> count from 1 (column in bytes).</summary>
public sealed record PolicyError(string Source, int Line, int Column, string Path, string Message)
{
    public override string ToString() =>
        Path.Length == 0 ? $"{Source} line {Line}: {Message}" : $"{Source} line {Line}: {Path}: {Message}";
}
