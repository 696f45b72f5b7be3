"""Retrieval metrics written directly from their definitions, in NumPy, as
pytrec_eval (trec_eval 9) and BEIR compute them. The tests hold
`embed eval retrieval` to these numbers, and bench/dictionary uses them to
score runs of builds that predate the C++ evaluation.

A run is {query_id: {doc_id: score}}, qrels {query_id: {doc_id: relevance}}.
Ranking (trec_eval's comp_sim_docno): score descending, equal scores by
document id descending (string order). A document is relevant when its
judged relevance is >= 1; unjudged documents count as 0.
  nDCG@k   = sum_{i<=k} rel_i / log2(i + 1), over the ideal ordering of all
             judged relevances (trec_eval's ndcg_cut: gain = relevance)
  MRR@k    = 1 / rank of the first relevant document within the top k, else 0
  MAP@k    = sum over relevant documents within the top k of precision at
             their rank, divided by the number of relevant documents (map_cut)
  recall@k = relevant documents within the top k / relevant documents
  P@k      = relevant documents within the top k / k
  accuracy@k = 1 if any relevant document is within the top k, else 0
Every query of the qrels with at least one relevant document is averaged;
one without results scores 0 (trec_eval -c)."""
import numpy as np


def ranked(results):
    items = list(results.items())
    items.sort(key=lambda kv: kv[0], reverse=True)     # ties: doc id descending
    items.sort(key=lambda kv: kv[1], reverse=True)     # stable: score descending
    return [doc for doc, _ in items]


def query_metrics(results, judged, ks):
    order = ranked(results)
    rel = np.array([judged.get(d, 0) for d in order], dtype=np.float64)
    hit = rel >= 1
    n_rel = sum(1 for v in judged.values() if v >= 1)
    ideal = np.sort(np.array([v for v in judged.values() if v > 0], dtype=np.float64))[::-1]
    out = {}
    for k in ks:
        top, top_hit = rel[:k], hit[:k]
        disc = 1.0 / np.log2(np.arange(2, k + 2))
        dcg = float(np.sum(np.where(top > 0, top, 0) * disc[:len(top)]))
        idcg = float(np.sum(ideal[:k] * disc[:min(k, len(ideal))]))
        out[f"ndcg@{k}"] = dcg / idcg if idcg > 0 else 0.0
        first = np.flatnonzero(top_hit)
        out[f"mrr@{k}"] = 1.0 / (first[0] + 1) if len(first) else 0.0
        prec = np.cumsum(top_hit) / np.arange(1, len(top_hit) + 1)
        out[f"map@{k}"] = float(np.sum(prec[top_hit])) / n_rel if n_rel else 0.0
        out[f"recall@{k}"] = float(np.sum(top_hit)) / n_rel if n_rel else 0.0
        out[f"precision@{k}"] = float(np.sum(top_hit)) / k
        out[f"accuracy@{k}"] = 1.0 if top_hit.any() else 0.0
    return out


def evaluate(run, qrels, ks=(1, 10, 100)):
    """Mean of each metric over the judged queries, and the per-query values."""
    per_query = {}
    for q, judged in qrels.items():
        if not any(v >= 1 for v in judged.values()):
            continue
        per_query[q] = query_metrics(run.get(q, {}), judged, ks)
    names = next(iter(per_query.values())).keys() if per_query else []
    mean = {m: float(np.mean([v[m] for v in per_query.values()])) for m in names}
    return mean, per_query


def first_relevant_rank(results, judged):
    """1-based rank of the first relevant document, or None."""
    for i, d in enumerate(ranked(results), 1):
        if judged.get(d, 0) >= 1:
            return i
    return None
