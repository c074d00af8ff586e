namespace ModelRegistry.Deployments.Rules;

/// <summary>What <c>mreg impact</c> starts from: a data set, a code commit or a base model.</summary>
public enum ImpactKind
{
    Dataset,
    Commit,
    BaseModel,
}
