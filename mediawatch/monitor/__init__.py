"""Monitoring intelligence as pure functions: watchlist matching, sentiment, story clusters, spikes.

No database and no network here; the loader calls these and stores the results.
"""

from mediawatch.monitor.analysis import ArticleAnalysis, ScoredMention, analyze_article
from mediawatch.monitor.watchlist import Mention, Watchlist, WatchlistError, load_watchlist

__all__ = [
    "ArticleAnalysis",
    "Mention",
    "ScoredMention",
    "Watchlist",
    "WatchlistError",
    "analyze_article",
    "load_watchlist",
]
