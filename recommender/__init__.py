"""MovieBot's recommender: MovieLens data, splits, models, evaluation and model files.

Knows nothing of chat; ``moviebot evaluate`` and friends use it alone.
"""
