namespace ModelRegistry.Cli.Demo;

/// <summary>
/// What the demo's pipeline trains: a model (always <c>demo-</c>-prefixed, owned by team <c>demo-ml</c>), its risk tier
/// (which picks the promotion policy), and a variant that decides the artifact bytes; the same variant in a later run
/// writes the same weights, so the registry's content-addressed store keeps them once. Models of one family share a
/// tokenizer file and a training data set.
/// </summary>
internal sealed record ModelRecipe(string Model, string RiskTier, string Variant, string Description, string Family, string Dataset,
    IReadOnlyDictionary<string, object> Hyperparameters)
{
    public const string Team = "demo-ml";
}
