FROM continuumio/miniconda3:24.7.1-0
RUN conda install -y -c conda-forge numpy \
    && conda env create -f /tmp/environment.yml \
    && conda clean -afy
